"""GIFT files import true/false, choice, fill-in and essay questions; what cannot be mapped, a
weight Moodle would refuse and a file that is not UTF-8 are reported by line, nothing imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from questionbank.importing import GIFT, detect_format, import_file
from questionbank.models import Question, Subject

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

FIXTURES = Path(__file__).parent / "fixtures" / "questions"
Kind = Question.Kind


@pytest.fixture
def subject() -> Subject:
    return Subject.objects.create(code="02141", name="计算机网络技术")


def test_a_gift_file_imports_every_mappable_type(subject: Subject) -> None:
    data = (FIXTURES / "good.gift").read_bytes()
    # Recognised from its content, whatever its name.
    assert detect_format(data, "upload.bin") == GIFT

    report = import_file(subject, data, "good.gift", dry_run=False)

    assert report.ok, report.as_dict()
    assert report.imported == 7
    single, multiple, true, false, fill_in, essay, escaped = subject.questions.order_by("id")
    assert (single.kind, single.text, single.answer) == (
        Kind.SINGLE,
        "HTTP 的默认端口是哪个？",
        "A",
    )
    assert [o["text"] for o in single.options] == ["80", "21", "443"]
    assert single.chapter == "网络基础"
    assert multiple.kind == Kind.MULTIPLE
    assert multiple.text == "哪些是传输层协议？"
    assert multiple.answer == ["A", "B"]
    assert (true.kind, true.answer) == (Kind.TRUE_FALSE, "T")
    assert (false.kind, false.answer) == (Kind.TRUE_FALSE, "F")
    assert fill_in.kind == Kind.FILL_IN
    assert fill_in.text == "HTTPS 的默认端口是 ____ 。"
    assert fill_in.answer == [["443", "四四三"]]
    assert (essay.kind, essay.text, essay.answer) == (Kind.SHORT_ANSWER, "简述 TCP 三次握手。", "")
    assert escaped.text == "比较运算 a = b { 见 : 附录 } 成立吗？"
    assert escaped.answer == "T"


def test_questions_that_cannot_be_mapped_are_refused_by_line(subject: Subject) -> None:
    report = import_file(subject, (FIXTURES / "bad.gift").read_bytes(), "bad.gift", dry_run=False)

    found = {issue.line: issue.message for issue in report.issues}
    assert set(found) == {3, 5, 7, 9}, report.as_dict()
    assert "Matching" in found[3]
    assert "Numerical" in found[5]
    assert "33%" in found[7] and "Moodle" in found[7]
    assert "no answer block" in found[9]
    assert report.imported == 0
    assert not subject.questions.exists()


def test_a_file_that_is_not_utf8_is_named_as_such(subject: Subject) -> None:
    report = import_file(subject, (FIXTURES / "gbk.gift").read_bytes(), "gbk.gift", dry_run=False)

    assert [issue.line for issue in report.issues] == [1]
    assert "not UTF-8" in report.issues[0].message
    assert not subject.questions.exists()


def test_a_broken_question_makes_the_whole_file_fail(subject: Subject) -> None:
    good = (FIXTURES / "good.gift").read_text(encoding="utf-8")
    data = (good + "\n\n多出来的一题 {=甲 =乙 ~丙}\n").encode()

    report = import_file(subject, data, "mixed.gift", dry_run=False)

    assert not report.ok
    assert report.issues[0].line == len(good.splitlines()) + 3
    assert not subject.questions.exists()


def test_the_command_takes_a_gift_file(subject: Subject, tmp_path: Path) -> None:
    path = tmp_path / "questions.txt"
    path.write_bytes((FIXTURES / "good.gift").read_bytes())
    from django.core.management import call_command

    call_command("import_questions", str(path), "--subject", subject.code)

    assert subject.questions.count() == 7


REAL = settings.SHARED_DATA_DIR / "questions"


@pytest.mark.skipif(not REAL.is_dir(), reason="no real question files in the shared data")
@pytest.mark.parametrize(
    "path", sorted(REAL.glob("*.gift")) if REAL.is_dir() else [], ids=lambda p: p.name
)
def test_real_gift_files_are_read_without_crashing(subject: Subject, path: Path) -> None:
    # Files exported by Moodle itself: every question is either read or refused with its line.
    report = import_file(subject, path.read_bytes(), path.name, dry_run=True)
    assert report.drafts or report.issues
    assert all(issue.line for issue in report.issues)
