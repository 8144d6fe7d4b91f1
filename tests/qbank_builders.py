"""Questions of every kind, unsaved unless a subject is given: builders for the question-bank
tests (the contract of ``questionbank.answers`` needs no database)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from questionbank import spreadsheet
from questionbank.models import Question, Subject

Kind = Question.Kind


def single(subject: Subject | None = None, **fields: object) -> Question:
    return _question(
        subject,
        kind=Kind.SINGLE,
        text="中华人民共和国的首都是哪座城市？",
        options=[
            {"key": "A", "text": "上海"},
            {"key": "B", "text": "北京"},
            {"key": "C", "text": "广州"},
            {"key": "D", "text": "深圳"},
        ],
        answer="B",
        points=2,
        overrides=fields,
    )


def multiple(subject: Subject | None = None, **fields: object) -> Question:
    return _question(
        subject,
        kind=Kind.MULTIPLE,
        text="下列哪些是质数？",
        options=[{"key": k, "text": t} for k, t in zip("ABCDE", "23459", strict=True)],
        answer=["A", "B", "D"],
        points=6,
        overrides=fields,
    )


def true_false(subject: Subject | None = None, **fields: object) -> Question:
    return _question(
        subject,
        kind=Kind.TRUE_FALSE,
        text="水在标准大气压下 100 ℃ 沸腾。",
        options=[{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}],
        answer="T",
        points=1,
        overrides=fields,
    )


def fill_in(subject: Subject | None = None, **fields: object) -> Question:
    return _question(
        subject,
        kind=Kind.FILL_IN,
        text="HTTP 的默认端口是____，HTTPS 的默认端口是____。",
        options=[],
        answer=[["80"], ["443", "四四三"]],
        points=4,
        overrides=fields,
    )


def short_answer(subject: Subject | None = None, **fields: object) -> Question:
    return _question(
        subject,
        kind=Kind.SHORT_ANSWER,
        text="简述考试承诺书的作用。",
        options=[],
        answer="考生承诺遵守考试纪律。",
        points=10,
        overrides=fields,
    )


def _question(subject: Subject | None, overrides: dict[str, object], **fields: object) -> Question:
    question = Question(subject=subject, **(fields | overrides))
    if subject is not None:
        question.save()
    return question


def xlsx(rows: Sequence[Sequence[Any]], *, header: bool = True) -> bytes:
    """A question spreadsheet laid out like the template, with ``rows`` after the header."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if header:
        sheet.append(spreadsheet.headers())
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
