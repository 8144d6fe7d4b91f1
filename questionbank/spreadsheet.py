"""The question spreadsheet (xlsx): the template exam authors fill in, and its reader.

Layout of the first sheet, one question per row after the header row:

====  ============  ==========================================================================
col   content       how to fill it in
====  ============  ==========================================================================
A     type          单选题, 多选题, 判断题, 填空题 or 简答题 (the codes single, multiple,
                    true_false, fill_in, short_answer and the English names work too)
B     text          the question; mark fill-in blanks with ____ or （ ）
C–H   options A–F   choice questions: from A on, without gaps; true/false may leave them empty
I     answer        single: B · multiple: ACD (A,C,D and A、C、D too) · true/false: 对/错, √/×,
                    T/F · fill-in: blanks separated by ；, accepted variants of a blank by |
                    (80；443|四四三) · short answer: a reference answer for markers
J     points        a whole number from 1 to 100, 1 when empty
K     difficulty    1 (easy) to 5 (hard), 3 when empty
L     chapter       free text used to filter and draw questions
M     explanation   shown after the exam when the exam allows
====  ============  ==========================================================================
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from core import spreadsheets
from core.spreadsheets import RowProblem
from questionbank import shapes
from questionbank.models import Question
from questionbank.reports import Issue
from questionbank.shapes import Draft

Kind = Question.Kind

OPTION_COLUMNS = "CDEFGH"
FIELD_COLUMNS = {
    "kind": "A",
    "text": "B",
    "options": "C",
    "answer": "I",
    "points": "J",
    "difficulty": "K",
    "chapter": "L",
    "explanation": "M",
}
WIDTH = 13  # columns A–M
MAX_ROWS = 5000
TEMPLATE_ROWS = 1000  # rows of the template with the type list and number checks

KIND_WORDS = {
    Kind.SINGLE: "单选题",
    Kind.MULTIPLE: "多选题",
    Kind.TRUE_FALSE: "判断题",
    Kind.FILL_IN: "填空题",
    Kind.SHORT_ANSWER: "简答题",
}
_KIND_ALIASES = {
    **{word: kind for kind, word in KIND_WORDS.items()},
    **{kind.value: kind for kind in Kind},
    **{str(kind.label).casefold(): kind for kind in Kind},
    "单选": Kind.SINGLE,
    "单项选择题": Kind.SINGLE,
    "多选": Kind.MULTIPLE,
    "多项选择题": Kind.MULTIPLE,
    "不定项选择题": Kind.MULTIPLE,
    "判断": Kind.TRUE_FALSE,
    "是非题": Kind.TRUE_FALSE,
    "填空": Kind.FILL_IN,
    "简答": Kind.SHORT_ANSWER,
    "问答题": Kind.SHORT_ANSWER,
    "论述题": Kind.SHORT_ANSWER,
    "essay": Kind.SHORT_ANSWER,
}
_TRUE = {"T", "TRUE", "对", "正确", "√", "✓", "✔", "是", "Y", "YES"}
_FALSE = {"F", "FALSE", "错", "错误", "×", "✗", "✘", "X", "否", "N", "NO"}
_KEY_SEPARATORS = re.compile(r"[\s,，、;；/]+")
_BLANK_SEPARATOR = re.compile(r"[;；]")
_VARIANT_SEPARATOR = re.compile(r"[|｜]")

# One example row per type; authors replace them. Table-shaped, so kept one row per line.
# fmt: off
EXAMPLES: list[list[Any]] = [
    ["单选题", "中华人民共和国的首都是（ ）。", "上海", "北京", "广州", "深圳", "", "",
     "B", 2, 1, "第一章 常识", "北京是中华人民共和国的首都。"],
    ["多选题", "下列数中，哪些是质数？", "2", "3", "4", "5", "9", "",
     "ABD", 4, 2, "第二章 数学", "4 = 2×2，9 = 3×3，都不是质数。"],
    ["判断题", "水在标准大气压下的沸点是 100 ℃。", "", "", "", "", "", "",
     "对", 1, 1, "第三章 物理", ""],
    ["填空题", "HTTP 的默认端口是____，HTTPS 的默认端口是____。", "", "", "", "", "", "",
     "80；443|四四三", 4, 3, "第四章 网络", "每空 2 分。"],
    ["简答题", "简述考试承诺书的作用。", "", "", "", "", "", "",
     "考生承诺遵守考试纪律，违纪将承担相应后果。", 10, 3, "第五章 考务", "言之成理即可酌情给分。"],
]
# fmt: on


def headers() -> list[str]:
    return [
        _("Type"),
        _("Question text"),
        *[_("Option %(key)s") % {"key": key} for key in "ABCDEF"],
        _("Answer"),
        _("Points"),
        _("Difficulty (1-5)"),
        _("Chapter"),
        _("Explanation"),
    ]


def build_template() -> bytes:
    """The xlsx authors download: the header row, one example row per type (replace them), a
    drop-down list of types in column A, number checks on points and difficulty, and a sheet
    of instructions."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Questions")
    sheet.append(headers())
    for row in EXAMPLES:
        sheet.append(row)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F5")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJKLM", [10, 48, *[14] * 6, 22, 8, 10, 16, 30], strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")

    last = TEMPLATE_ROWS + 1
    kinds = DataValidation(
        type="list",
        formula1='"' + ",".join(KIND_WORDS.values()) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Question type"),
        error=_("Choose a question type from the list."),
    )
    kinds.add(f"A2:A{last}")
    points = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2=str(shapes.MAX_POINTS),
        allow_blank=True,
        showErrorMessage=True,
        error=_("Points must be from 1 to %(n)d.") % {"n": shapes.MAX_POINTS},
    )
    points.add(f"J2:J{last}")
    difficulty = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2="5",
        allow_blank=True,
        showErrorMessage=True,
        error=_("Difficulty must be from 1 to 5."),
    )
    difficulty.add(f"K2:K{last}")
    for validation in (kinds, points, difficulty):
        sheet.add_data_validation(validation)

    notes = workbook.create_sheet(_("Instructions"))
    notes.column_dimensions["A"].width = 100
    for line in _instructions():
        notes.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _instructions() -> list[str]:
    return [
        _("One question per row of the first sheet. Replace the example rows with your own."),
        _(
            "Type: 单选题 (single choice), 多选题 (multiple choice), 判断题 (true or false), "
            "填空题 (fill in the blanks) or 简答题 (short answer)."
        ),
        _(
            "Options A-F: for choice questions, fill them from A on without gaps. "
            "True-or-false questions may leave them empty."
        ),
        _(
            "Answer: single choice B; multiple choice ACD; true or false 对 or 错; "
            "fill in the blanks: separate blanks with ；and accepted variants of one blank with | "
            "(80；443|四四三); short answer: a reference answer for markers."
        ),
        _(
            "Mark each blank in the text with ____ or （ ）; "
            "the number of blanks must match the answer."
        ),
        _(
            "Points: a whole number from 1 to 100 (1 when empty). "
            "Difficulty: 1 (easy) to 5 (hard), 3 when empty."
        ),
        _(
            "If any row is wrong, nothing is imported: correct the rows the report names and "
            "upload the file again."
        ),
    ]


def read(data: bytes, filename: str) -> tuple[list[Draft], list[Issue]]:
    """The questions of an xlsx file and the problems found, row by row. Reads values, not
    formulas; reads the first sheet only, through the shared reader (``core.spreadsheets``)."""
    drafts: list[Draft] = []
    problems: list[RowProblem] = []
    rows_read = 0
    try:
        for number, values in spreadsheets.read_rows(data, max_col=WIDTH):
            cells = [_text(value) for value in values] + [""] * (WIDTH - len(values))
            if number == 1:
                if _kind(cells[0]) is not None:
                    problems.append(
                        RowProblem(1, "", _("Row 1 must be the header row of the template."))
                    )
                continue
            if not any(cells):
                continue
            rows_read += 1
            if rows_read > MAX_ROWS:
                problems.append(
                    RowProblem(
                        number, "", _("A file holds at most %(n)d questions.") % {"n": MAX_ROWS}
                    )
                )
                break
            draft, row_problems = _read_row(number, cells, filename)
            if row_problems:
                problems.extend(row_problems)
            elif draft is not None:
                drafts.append(draft)
    except spreadsheets.SpreadsheetRefused as exc:
        if exc.code in ("not_xlsx", "damaged"):
            return [], [Issue(_("The file is not a readable xlsx spreadsheet."))]
        return [], [Issue(str(exc.message))]
    return drafts, [Issue(p.message, row=p.row, column=p.column or None) for p in problems]


def _read_row(
    number: int, cells: list[str], filename: str
) -> tuple[Draft | None, list[RowProblem]]:
    def issue(column: str, message: str) -> RowProblem:
        return RowProblem(number, column, message)

    kind = _kind(cells[0])
    if kind is None:
        message = (
            _("The question type is missing.")
            if not cells[0]
            else _("Unknown question type “%(value)s”.") % {"value": cells[0]}
        )
        return None, [issue("A", message)]
    found: list[RowProblem] = []
    options, option_issues = _options(kind, cells[2:8])
    found.extend(issue(column, message) for column, message in option_issues)
    answer, message = _answer(kind, cells[8])
    if message:
        found.append(issue("I", message))
    points, message = _whole(cells[9], default=1)
    if message:
        found.append(issue("J", message))
    difficulty, message = _whole(cells[10], default=3)
    if message:
        found.append(issue("K", message))
    if found:
        return None, found
    draft = Draft(
        kind=kind,
        text=cells[1],
        options=options,
        answer=answer,
        points=points,
        difficulty=difficulty,
        chapter=cells[11],
        explanation=cells[12],
        source=f"{filename}:{number}",
        where={"row": number},
    )
    return draft, [issue(FIELD_COLUMNS[f], message) for f, message in shapes.problems(draft)]


def _kind(value: str) -> str | None:
    return _KIND_ALIASES.get(unicodedata.normalize("NFKC", value).strip().casefold())


def _options(kind: str, cells: list[str]) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    filled = [
        (key, column, text)
        for key, column, text in zip("ABCDEF", OPTION_COLUMNS, cells, strict=True)
        if text
    ]
    if kind in (Kind.FILL_IN, Kind.SHORT_ANSWER):
        if filled:
            return [], [(filled[0][1], _("Only choice questions have options."))]
        return [], []
    if kind == Kind.TRUE_FALSE:
        if len(filled) > 2 or (filled and [key for key, _c, _t in filled] != ["A", "B"]):
            return [], [
                (
                    "C",
                    _("A true-or-false question has two options at most: true (A) and false (B)."),
                )
            ]
        if filled:
            return [{"key": "T", "text": filled[0][2]}, {"key": "F", "text": filled[1][2]}], []
        return list(shapes.TRUE_FALSE_OPTIONS), []
    for position, entry in enumerate(filled):
        if entry[0] != "ABCDEF"[position]:
            gap = OPTION_COLUMNS[position]
            return [], [(gap, _("Fill the options from A on without gaps."))]
    return [{"key": key, "text": text} for key, _c, text in filled], []


def _answer(kind: str, value: str) -> tuple[Any, str]:
    """The answer in the shape ``Question.answer`` documents, or an error message."""
    if kind == Kind.SHORT_ANSWER:
        return value, ""
    if not value:
        return None, _("The answer is missing.")
    plain = unicodedata.normalize("NFKC", value).strip()
    if kind == Kind.SINGLE:
        key = plain.upper()
        if len(key) != 1 or key not in shapes.OPTION_KEYS:
            return None, _("Give the letter of the one right option, such as B.")
        return key, ""
    if kind == Kind.MULTIPLE:
        keys = [k for k in _KEY_SEPARATORS.split(plain.upper()) if k]
        letters = [letter for chunk in keys for letter in chunk]
        if not letters or any(letter not in shapes.OPTION_KEYS for letter in letters):
            return None, _("Give the letters of the right options, such as ACD.")
        if len(set(letters)) != len(letters):
            return None, _("A letter appears twice in the answer.")
        return sorted(letters), ""
    if kind == Kind.TRUE_FALSE:
        word = plain.upper()
        if word in _TRUE:
            return "T", ""
        if word in _FALSE:
            return "F", ""
        return None, _("Answer a true-or-false question with 对 or 错.")
    # Fill-in: blanks separated by ；, variants of one blank by |.
    blanks = [
        [variant.strip() for variant in _VARIANT_SEPARATOR.split(blank) if variant.strip()]
        for blank in _BLANK_SEPARATOR.split(value)
    ]
    if any(not variants for variants in blanks):
        return None, _("A blank has no accepted text (two ； in a row, or one at the end?).")
    return blanks, ""


def _whole(value: str, *, default: int) -> tuple[int, str]:
    if not value:
        return default, ""
    plain = unicodedata.normalize("NFKC", value).strip()
    try:
        number = float(plain)
    except ValueError:
        return default, _("“%(value)s” is not a whole number.") % {"value": value}
    if not number.is_integer():
        return default, _("“%(value)s” is not a whole number.") % {"value": value}
    return int(number), ""


def _text(value: Any) -> str:
    """A cell's value as the text an author typed: numbers without a trailing .0, booleans (Excel
    turns TRUE into one) as T/F."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()
