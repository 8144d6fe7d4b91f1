"""The shape a question must have before it enters a bank (the authoring side of ``answers``).

Importers turn rows and XML elements into ``Draft`` objects and ask ``problems(draft)`` what is
wrong with them; the answer names the field, so each importer can point at its own column or
element. A draft without problems is a question ``questionbank.answers`` can check and score.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from questionbank import rich_text
from questionbank.models import Question

Kind = Question.Kind

OPTION_KEYS = "ABCDEFGH"  # Moodle questions may have up to eight; the spreadsheet has six
TRUE_FALSE_OPTIONS = [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]
MAX_TEXT = 10_000
MAX_OPTION_TEXT = 1_000
MAX_POINTS = 100
# Blanks are marked in a fill-in question's text with three or more underscores or empty
# brackets, the ways Chinese papers print them: ____, （ ）, ( ).
BLANK_MARK = re.compile(r"_{3,}|（\s*）|\(\s*\)")


@dataclass
class Draft:
    """A question read from a file, not yet saved. ``source`` says where it was read."""

    kind: str
    text: str
    options: list[dict[str, str]] = field(default_factory=list)
    answer: Any = None
    points: int = 1
    difficulty: int = 3
    chapter: str = ""
    explanation: str = ""
    source: str = ""
    # Where in the file the question was read: {"row": 5} or {"index": 3, "name": "Q3"}.
    where: dict[str, Any] = field(default_factory=dict)
    # The sanitised HTML of the text and explanation (``rich_text``); left empty by readers of
    # plain text, and then made from the plain text when the question is saved.
    text_html: str = ""
    explanation_html: str = ""

    def identity(self) -> tuple[str, str, str, str, str]:
        """What makes two questions the same one: Chinese banks reuse stems such as
        "下列说法正确的是（ ）" with different options, so the stem alone is not enough; and two
        stems whose plain text is the same may differ in their images or tables."""
        return identity(self.kind, self.text, self.text_html, self.options, self.answer)

    def to_question(self, subject_id: int) -> Question:
        return Question(
            subject_id=subject_id,
            kind=self.kind,
            text=self.text,
            text_html=self.text_html or rich_text.from_plain(self.text),
            options=self.options,
            answer=self.answer,
            points=self.points,
            difficulty=self.difficulty,
            chapter=self.chapter,
            explanation=self.explanation,
            explanation_html=self.explanation_html or rich_text.from_plain(self.explanation),
            source=self.source[:200],
        )


def identity(
    kind: str, text: str, text_html: str, options: Any, answer: Any
) -> tuple[str, str, str, str, str]:
    """``Draft.identity`` of a question, saved or not: a text without HTML counts as its escaped
    paragraphs, which is what saving it stores. Options and answer are compared as JSON with
    sorted keys: PostgreSQL's jsonb gives an option's keys back in its own order."""
    html = text_html or rich_text.from_plain(text)
    return (kind, text, html, _canonical(options), _canonical(answer))


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def problems(draft: Draft) -> list[tuple[str, str]]:
    """What is wrong with ``draft``, as ``(field, message)`` pairs; empty when nothing is.

    Fields: ``kind``, ``text``, ``options``, ``answer``, ``points``, ``difficulty``, ``chapter``,
    ``explanation``.
    """
    found: list[tuple[str, str]] = []
    if draft.kind not in Kind.values:
        return [("kind", _("Unknown question type."))]
    if not draft.text.strip():
        found.append(("text", _("The question text is empty.")))
    elif len(draft.text) > MAX_TEXT:
        found.append(
            ("text", _("The question text is longer than %(n)d characters.") % {"n": MAX_TEXT})
        )
    if not 1 <= draft.points <= MAX_POINTS:
        found.append(("points", _("Points must be from 1 to %(n)d.") % {"n": MAX_POINTS}))
    if not 1 <= draft.difficulty <= 5:
        found.append(("difficulty", _("Difficulty must be from 1 to 5.")))
    if len(draft.chapter) > 100:
        found.append(("chapter", _("The chapter is longer than 100 characters.")))
    if len(draft.explanation) > MAX_TEXT:
        found.append(
            ("explanation", _("The explanation is longer than %(n)d characters.") % {"n": MAX_TEXT})
        )
    found.extend(_answer_problems(draft))
    return found


def _answer_problems(draft: Draft) -> list[tuple[str, str]]:
    keys = [option["key"] for option in draft.options]
    if draft.kind in (Kind.SINGLE, Kind.MULTIPLE):
        if len(keys) < 2:
            return [("options", _("A choice question needs at least two options."))]
        if any(not option["text"].strip() for option in draft.options):
            return [("options", _("An option is empty."))]
        if any(len(option["text"]) > MAX_OPTION_TEXT for option in draft.options):
            return [
                (
                    "options",
                    _("An option is longer than %(n)d characters.") % {"n": MAX_OPTION_TEXT},
                )
            ]
        texts = [option["text"].strip() for option in draft.options]
        if len(set(texts)) != len(texts):
            return [("options", _("Two options have the same text."))]
    if draft.kind == Kind.SINGLE:
        if not isinstance(draft.answer, str) or draft.answer not in keys:
            return [("answer", _("The answer must be the letter of one of the options."))]
    elif draft.kind == Kind.MULTIPLE:
        answer = draft.answer
        if (
            not isinstance(answer, list)
            or not answer
            or any(key not in keys for key in answer)
            or len(set(answer)) != len(answer)
        ):
            return [("answer", _("The answer must be the letters of one or more options."))]
        if answer != sorted(answer):
            return [("answer", _("The answer's letters must be sorted."))]
    elif draft.kind == Kind.TRUE_FALSE:
        if keys != ["T", "F"]:
            return [("options", _("A true-or-false question has the options true and false."))]
        if draft.answer not in ("T", "F"):
            return [("answer", _("The answer must be true or false."))]
    elif draft.kind == Kind.FILL_IN:
        if keys:
            return [("options", _("Only choice questions have options."))]
        return _blank_problems(draft)
    elif draft.kind == Kind.SHORT_ANSWER:
        if keys:
            return [("options", _("Only choice questions have options."))]
        if not isinstance(draft.answer, str) or len(draft.answer) > MAX_TEXT:
            return [
                (
                    "answer",
                    _("The reference answer must be text of at most %(n)d characters.")
                    % {"n": MAX_TEXT},
                )
            ]
    return []


def _blank_problems(draft: Draft) -> list[tuple[str, str]]:
    answer = draft.answer
    if (
        not isinstance(answer, list)
        or not answer
        or any(
            not isinstance(texts, list)
            or not texts
            or any(not isinstance(t, str) or not t.strip() for t in texts)
            for texts in answer
        )
    ):
        return [("answer", _("Give at least one accepted text for every blank."))]
    marks = len(BLANK_MARK.findall(draft.text))
    if marks and marks != len(answer):
        return [
            (
                "answer",
                _("The text has %(marks)d blanks but the answer gives %(given)d.")
                % {"marks": marks, "given": len(answer)},
            )
        ]
    return []
