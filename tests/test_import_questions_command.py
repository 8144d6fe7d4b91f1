"""``manage.py import_questions`` imports a file all or nothing, and exits non-zero with a JSON
report of every problem when anything is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from questionbank import spreadsheet
from questionbank.models import Subject
from tests import qbank_builders as build

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject() -> Subject:
    return Subject.objects.create(code="00018", name="计算机应用基础")


def run(*args: str) -> tuple[int, str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("import_questions", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_it_imports_the_template_and_reports_counts_by_type(
    subject: Subject, tmp_path: Path
) -> None:
    path = tmp_path / "题库.xlsx"
    path.write_bytes(spreadsheet.build_template())

    status, out, _err = run(str(path), "--subject", "00018", "--json")

    report = json.loads(out)
    assert status == 0
    assert report["by_type"] == {
        "single": 1,
        "multiple": 1,
        "true_false": 1,
        "fill_in": 1,
        "short_answer": 1,
    }
    assert report["imported"] == 5 and report["errors"] == []
    assert subject.questions.count() == 5


def test_a_dry_run_writes_nothing(subject: Subject, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(spreadsheet.build_template())

    status, out, _err = run(str(path), "--subject", "00018", "--dry-run")

    assert status == 0 and "5" in out
    assert not subject.questions.exists()


def test_a_bad_file_exits_non_zero_with_every_error_and_its_position(
    subject: Subject, tmp_path: Path
) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        build.xlsx(
            [
                ["单选题", "好", "甲", "乙", None, None, None, None, "A"],
                ["单选题", "坏", "甲", "乙", None, None, None, None, "Z"],
                ["判断题", "坏", None, None, None, None, None, None, "也许"],
            ]
        )
    )

    status, out, _err = run(str(path), "--subject", "00018", "--json")

    report = json.loads(out)
    assert status == 1
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "I"), (4, "I")]
    assert report["imported"] == 0 and report["by_type"]["single"] == 1
    assert not subject.questions.exists()


def test_the_format_is_told_by_the_content_not_the_name(subject: Subject, tmp_path: Path) -> None:
    path = tmp_path / "questions.txt"
    path.write_text(
        '<?xml version="1.0"?><quiz><question type="essay"><name><text>e</text></name>'
        "<questiontext><text>论述。</text></questiontext></question></quiz>",
        encoding="utf-8",
    )
    status, _out, err = run(str(path), "--subject", "00018")
    assert status == 0, err
    assert subject.questions.get().kind == "short_answer"


def test_an_unknown_subject_or_missing_file_is_a_command_error(
    subject: Subject, tmp_path: Path
) -> None:
    with pytest.raises(CommandError):
        call_command("import_questions", str(tmp_path / "t.xlsx"), "--subject", "NOPE")
    with pytest.raises(CommandError):
        call_command("import_questions", str(tmp_path / "missing.xlsx"), "--subject", "00018")
