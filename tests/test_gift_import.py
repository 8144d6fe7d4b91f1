"""GIFT files (Moodle's text format) import choice, weighted multiple choice, true/false,
short-answer, missing-word and essay questions, through ``import_file`` and the import page;
anything broken or unsupported is reported with the line where its question starts and
nothing is imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from questionbank.importing import GIFT, detect_format, import_file
from questionbank.models import Subject
from tests.personas import PASSWORD, Personas
from tests.test_question_import_page import confirm, finished_job_page, token_of, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# Written for these tests; every line number below is counted from this text.
GOOD = r"""// 计算机网络 练习题（注释行）
$CATEGORY: $course$/top/计算机网络

::端口::[html]<p>HTTP 的默认端口是<b>哪个</b>？&nbsp;&lt;选一个&gt;</p>{
  =80 #对，见 RFC 9110
  ~21
  ~443 # 这是 HTTPS
}

::协议:: 哪些是传输层协议？ {~%50%TCP ~%50%UDP ~%-100%HTTP#不是}

IPv4 地址长 32 位。{TRUE}

[plain]IPv6 地址长 64 位。{F #是 128 位}

HTTPS 的默认端口是多少？{=443 =四四三 #对}

TCP 的三次握手由 {=SYN} 报文开始。

[markdown]简述 TCP
拥塞控制的四个阶段。{}

花括号 \{ \} 、波浪号 \~ 、等号 \= 、井号 \# 和冒号 \: 是哪类字符？{=转义字符 ~普通字母}
"""


@pytest.fixture
def subject() -> Subject:
    return Subject.objects.create(code="02141", name="计算机网络技术")


def test_a_gift_file_imports_every_supported_kind(subject: Subject) -> None:
    report = import_file(subject, GOOD.encode(), "网络.gift", dry_run=False)

    assert report.ok, report.as_dict()
    assert report.file_format == GIFT
    assert report.counts() == {
        "single": 2,
        "multiple": 1,
        "true_false": 2,
        "fill_in": 2,
        "short_answer": 1,
    }
    single, multiple, true, false, short, blank, essay, escaped = subject.questions.order_by("id")
    assert single.text == "HTTP 的默认端口是哪个？ <选一个>"
    assert single.options == [
        {"key": "A", "text": "80"},
        {"key": "B", "text": "21"},
        {"key": "C", "text": "443"},
    ]
    assert (single.kind, single.answer, single.chapter) == ("single", "A", "")
    assert single.source == "网络.gift:4"
    assert multiple.text == "哪些是传输层协议？"
    assert [o["text"] for o in multiple.options] == ["TCP", "UDP", "HTTP"]
    assert (multiple.kind, multiple.answer) == ("multiple", ["A", "B"])
    assert (true.kind, true.answer, true.option_keys()) == ("true_false", "T", ["T", "F"])
    assert (false.text, false.answer) == ("IPv6 地址长 64 位。", "F")
    assert (short.kind, short.answer) == ("fill_in", [["443", "四四三"]])
    assert short.text == "HTTPS 的默认端口是多少？ ____"
    assert (blank.kind, blank.answer) == ("fill_in", [["SYN"]])
    assert blank.text == "TCP 的三次握手由 ____ 报文开始。"
    assert (essay.kind, essay.answer) == ("short_answer", "")
    assert essay.text == "简述 TCP\n拥塞控制的四个阶段。"
    assert escaped.text == "花括号 { } 、波浪号 ~ 、等号 = 、井号 # 和冒号 : 是哪类字符？"
    assert (escaped.kind, escaped.answer) == ("single", "A")


def test_the_short_forms_of_true_and_false_and_a_byte_order_mark_are_accepted(
    subject: Subject,
) -> None:
    data = "\ufeff太阳从东边升起。{T}\n\n月亮自己发光。{FALSE}\n".encode()
    report = import_file(subject, data, "tf.txt", dry_run=True)
    assert report.ok, report.as_dict()
    assert [(d.kind, d.answer) for d in report.drafts] == [
        ("true_false", "T"),
        ("true_false", "F"),
    ]
    assert not subject.questions.exists()  # a dry run writes nothing


def test_gift_is_told_by_its_name_or_by_answer_blocks_in_text() -> None:
    assert detect_format(b"no answers here", "q.gift") == GIFT
    assert detect_format(b"no answers here", "q.txt") == GIFT
    assert detect_format("问题 {=答}".encode(), "upload") == GIFT
    assert detect_format(b"plain notes", "upload") is None
    # XML and zips keep their own readers even with braces or a .txt name.
    assert detect_format(b"<?xml version='1.0'?><quiz>{=a}</quiz>", "q.txt") == "moodle-xml"
    assert detect_format(b"PK\x03\x04{=a}", "q.gift") == "xlsx"


def test_a_bad_question_in_the_middle_imports_nothing_and_names_its_line(
    subject: Subject,
) -> None:
    data = GOOD.replace("{TRUE}", "{~%50%甲 ~%40%乙 ~%-100%丙}").encode()
    report = import_file(subject, data, "bad.gift", dry_run=False)

    assert [(i.line, i.message) for i in report.issues] == [
        (12, "The positive weights add up to 90%, not 100%."),
    ]
    assert report.as_dict()["errors"][0]["position"] == "line 12"
    assert report.imported == 0
    assert not subject.questions.exists()


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ("{#3.14:0.01}", "Numeric questions ({#…}) are not supported."),
        ("{=猫 -> 哺乳动物 =鲨鱼 -> 鱼类}", "Matching questions ({=a -> b}) are not supported."),
        ("{=甲 =乙 ~丙}", "A choice question marks more than one answer with “=”"),
        ("{=甲 ~%50%乙}", "A single-choice question cannot give partial credit"),
        ("{~%150%甲 ~乙}", "A weight must be from -100 to 100; 150% is not."),
        ("{~甲 ~乙}", "No answer is right"),
        ("{=%50%甲 =%50%乙}", "No answer is fully right (weight 100)."),
        ("{=甲*}", "Wildcards (*) in accepted answers are not supported."),
        ("{=甲} 又 {=乙}", "A question may have only one answer block {…}."),
        ("{=甲", "The answer block has no closing “}”."),
    ],
)
def test_unsupported_or_meaningless_answer_blocks_are_refused_with_their_line(
    subject: Subject, answers: str, reason: str
) -> None:
    data = f"// 注释\n\n好题。{{=对 ~错}}\n\n\n问题是\n什么？{answers}\n".encode()
    report = import_file(subject, data, "x.gift", dry_run=False)

    [issue] = report.issues
    assert issue.line == 6
    assert issue.message.startswith(reason)
    assert not subject.questions.exists()


def test_a_question_without_an_answer_block_is_refused(subject: Subject) -> None:
    report = import_file(subject, "好题。{T}\n\n只有说明文字。\n".encode(), "x.gift", dry_run=True)
    [issue] = report.issues
    assert (issue.line, issue.message) == (
        3,
        "The question has no answer block {…}; text-only items are not imported.",
    )


def test_a_file_that_is_not_utf8_is_refused_naming_the_encoding(subject: Subject) -> None:
    data = "判断：地球是圆的。{T}\n".encode("gbk")
    report = import_file(subject, data, "gbk.gift", dry_run=False)

    assert [i.message for i in report.issues] == [
        "The GIFT file is not UTF-8 text. Save it as UTF-8 and import it again."
    ]
    assert report.file_format == GIFT
    assert not subject.questions.exists()


def test_the_messages_are_translated(subject: Subject) -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        report = import_file(subject, "数 {#1}\n".encode(), "x.gift", dry_run=True)
        [issue] = report.issues
        assert issue.message == "不支持数值题（{#…}）。"
        assert issue.position == "第 1 行"


def test_the_command_imports_a_gift_file_and_reports_its_lines(
    subject: Subject, tmp_path: Path
) -> None:
    from tests.test_import_questions_command import run

    good = tmp_path / "网络.gift"
    good.write_text(GOOD, encoding="utf-8")
    status, out, err = run(str(good), "--subject", subject.code)
    assert status == 0, err
    assert out.startswith("Imported 8 ")
    assert subject.questions.count() == 8

    bad = tmp_path / "bad.txt"
    bad.write_text("新题。{=甲 ~乙}\n\n配对 {=甲 -> 乙}\n", encoding="utf-8")
    status, out, err = run(str(bad), "--subject", subject.code, "--json")
    assert status == 1
    assert '"line": 3' in out and '"format": "gift"' in out
    assert subject.questions.count() == 8


@pytest.fixture
def oscar(personas: Personas) -> Client:
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    return client


def test_the_import_page_checks_then_imports_a_gift_file(oscar: Client, subject: Subject) -> None:
    form = oscar.get(f"/questionbank/{subject.code}/import/")
    assert "GIFT" in form.content.decode()

    preview = upload(oscar, subject, GOOD.encode(), "网络.gift")
    assert preview.status_code == 200
    assert preview.context["report"].counts()["multiple"] == 1
    assert not subject.questions.exists()

    confirmed = finished_job_page(oscar, confirm(oscar, subject, token_of(preview)))
    assert 'data-code="imported"' in confirmed.content.decode()
    assert subject.questions.count() == 8


def test_the_import_page_shows_a_gift_problem_with_its_line(
    oscar: Client, subject: Subject
) -> None:
    data = GOOD.replace("{=SYN}", "{=SYN -> 同步}").encode()
    response = upload(oscar, subject, data, "网络.txt")
    page = response.content.decode()
    [issue] = response.context["report"].issues
    assert issue.line == 18
    assert issue.position in page
    assert 'name="token"' not in page
    assert not subject.questions.exists()


def shared_gift_files() -> list[Path]:
    folder = Path(settings.SHARED_DATA_DIR) / "questions"
    return sorted(folder.glob("*.gift")) if folder.is_dir() else []


@pytest.mark.skipif(not shared_gift_files(), reason="no real GIFT files in the shared data")
@pytest.mark.parametrize("path", shared_gift_files(), ids=lambda path: path.name)
def test_real_gift_files_import_without_problems(subject: Subject, path: Path) -> None:
    report = import_file(subject, path.read_bytes(), path.name, dry_run=True)
    assert report.ok, report.as_dict()["errors"][:5]
    assert report.drafts
