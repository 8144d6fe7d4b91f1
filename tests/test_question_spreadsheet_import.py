"""The xlsx template imports every kind, and a bad row names its row and column and imports
nothing."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from audit.models import AuditEntry
from questionbank.importing import import_file
from questionbank.models import Subject
from tests import qbank_builders as build

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject() -> Subject:
    return Subject.objects.create(code="00015", name="英语（二）")


def test_the_template_as_downloaded_imports_one_example_of_every_kind(subject: Subject) -> None:
    from questionbank import spreadsheet

    report = import_file(subject, spreadsheet.build_template(), "template.xlsx", dry_run=False)

    assert report.ok, report.as_dict()
    assert report.counts() == {
        "single": 1,
        "multiple": 1,
        "true_false": 1,
        "fill_in": 1,
        "short_answer": 1,
    }
    by_kind = {q.kind: q for q in subject.questions.all()}
    assert by_kind["single"].answer == "B"
    assert by_kind["single"].option_keys() == ["A", "B", "C", "D"]
    assert by_kind["multiple"].answer == ["A", "B", "D"]
    assert by_kind["true_false"].answer == "T"
    assert by_kind["true_false"].option_keys() == ["T", "F"]
    assert by_kind["fill_in"].answer == [["80"], ["443", "四四三"]]
    assert by_kind["short_answer"].points == 10
    assert by_kind["single"].chapter == "第一章 常识"
    assert by_kind["single"].source == "template.xlsx:2"
    entry = AuditEntry.objects.get(action="questionbank.imported")
    assert entry.data["questions"] == 5


def test_the_template_offers_the_types_as_a_drop_down_list() -> None:
    from questionbank import spreadsheet

    sheet = load_workbook(io.BytesIO(spreadsheet.build_template())).worksheets[0]
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert len(lists) == 1
    assert "单选题" in (lists[0].formula1 or "")
    assert "A2:A1001" in str(lists[0].sqref)


def test_answers_are_read_the_ways_authors_write_them(subject: Subject) -> None:
    data = build.xlsx(
        [
            ["single", "一？", "甲", "乙", None, None, None, None, "ｂ", 3.0, None],
            ["多选", "二？", "甲", "乙", "丙", None, None, None, "C、a", None, 5],
            ["判断题", "三。", None, None, None, None, None, None, "×"],
            ["判断题", "四。", None, None, None, None, None, None, True],
            ["填空题", "五____六（ ）", None, None, None, None, None, None, "甲|乙 ; 42"],
            ["填空题", "七____", None, None, None, None, None, None, 80],
        ]
    )
    report = import_file(subject, data, "a.xlsx", dry_run=False)
    assert report.ok, report.as_dict()
    answers = [(q.kind, q.answer, q.points, q.difficulty) for q in subject.questions.all()]
    assert answers == [
        ("single", "B", 3, 3),
        ("multiple", ["A", "C"], 1, 5),
        ("true_false", "F", 1, 3),
        ("true_false", "T", 1, 3),
        ("fill_in", [["甲", "乙"], ["42"]], 1, 3),
        ("fill_in", [["80"]], 1, 3),
    ]


def test_a_bad_row_is_reported_with_its_row_and_column_and_nothing_is_imported(
    subject: Subject,
) -> None:
    data = build.xlsx(
        [
            ["单选题", "好的一行", "甲", "乙", None, None, None, None, "A"],
            [None] * 13,  # empty rows are skipped, yet the row numbers stay Excel's
            ["单选题", "答案不在选项里", "甲", "乙", None, None, None, None, "E"],
            ["多选题", "选项有空缺", "甲", None, "丙", None, None, None, "AC"],
            ["问答", "题型不认识", None, None, None, None, None, None, "x"],
            ["填空题", "两个空____和____", None, None, None, None, None, None, "一个"],
            ["判断题", "分值不对", None, None, None, None, None, None, "对", 1.5],
            ["简答题", "", "有选项", None, None, None, None, None, ""],
        ]
    )
    report = import_file(subject, data, "bad.xlsx", dry_run=False)

    where = [(issue.row, issue.column) for issue in report.issues]
    assert where == [(4, "I"), (5, "D"), (6, "A"), (7, "I"), (8, "J"), (9, "C")]
    assert report.imported == 0
    assert not subject.questions.exists()
    assert not AuditEntry.objects.filter(action="questionbank.imported").exists()


def test_a_question_already_in_the_bank_or_twice_in_the_file_is_refused(subject: Subject) -> None:
    row = ["单选题", "下列说法正确的是（ ）", "甲", "乙", None, None, None, None, "A"]
    same_stem_other_options = [
        "单选题",
        "下列说法正确的是（ ）",
        "丙",
        "丁",
        None,
        None,
        None,
        None,
        "A",
    ]
    assert import_file(subject, build.xlsx([row]), "one.xlsx", dry_run=False).ok

    with translation.override("en"):
        report = import_file(
            subject,
            build.xlsx([row, same_stem_other_options, same_stem_other_options]),
            "two.xlsx",
            dry_run=False,
        )
    assert [(issue.row, issue.message) for issue in report.issues] == [
        (2, "This question is already in the bank."),
        (4, "The same question appears earlier in the file (row 3)."),
    ]
    assert subject.questions.count() == 1


def test_a_dry_run_reports_but_writes_nothing(subject: Subject) -> None:
    from questionbank import spreadsheet

    report = import_file(subject, spreadsheet.build_template(), "t.xlsx", dry_run=True)
    assert report.ok and len(report.drafts) == 5 and report.imported == 0
    assert not subject.questions.exists()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"PK\x03\x04 not really a zip", "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        (b"kind,text\nsingle,hello\n", ".xlsx"),
        (b"", ".xlsx"),
    ],
)
def test_a_file_that_is_not_a_readable_spreadsheet_gets_one_clear_error(
    subject: Subject, data: bytes, expected: str
) -> None:
    report = import_file(subject, data, "x.xlsx", dry_run=False)
    assert len(report.issues) == 1
    assert expected in report.issues[0].message
    assert not subject.questions.exists()


def test_a_header_row_missing_is_pointed_out(subject: Subject) -> None:
    data = build.xlsx([["单选题", "一？", "甲", "乙", None, None, None, None, "A"]], header=False)
    report = import_file(subject, data, "x.xlsx", dry_run=True)
    assert report.issues[0].row == 1


def test_a_damaged_sheet_inside_a_valid_zip_is_an_error_not_a_crash(subject: Subject) -> None:
    import zipfile

    from questionbank import spreadsheet

    source = zipfile.ZipFile(io.BytesIO(spreadsheet.build_template()))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]
            target.writestr(item, body)

    report = import_file(subject, damaged.getvalue(), "x.xlsx", dry_run=False)
    assert len(report.issues) == 1
    assert not subject.questions.exists()
