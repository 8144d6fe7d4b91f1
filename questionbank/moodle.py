"""Moodle XML question files (the interchange format of most question-bank tools).

Mapped types: ``multichoice`` (``<single>true</single>`` → single choice, otherwise multiple
choice whose right options are those with a positive ``fraction``), ``truefalse``,
``shortanswer`` → fill-in with one blank (its answers of fraction 100 are the accepted texts),
``essay`` → short answer (``<graderinfo>`` becomes the reference answer). ``category`` elements
set the chapter of the questions after them. Every other type (``cloze``, ``matching``,
``numerical``, ``description``, …) is reported as unsupported, with its position.

The question text, the general feedback (the explanation) and the options keep their HTML,
sanitised by ``rich_text.clean``, and their plain text beside it. Images embedded as Moodle
writes them — ``<file name="a.png" path="/" encoding="base64">`` beside the ``<text>`` and
``@@PLUGINFILE@@/a.png`` in it — are checked and kept; an image the file does not hold, of
another type than PNG, JPEG, GIF or WebP, too large or on another site is refused, as is a
link to an attached file that is not shown as an image. Accepted answers of true/false and
short-answer questions and the essay's reference answer stay plain text (images there are
refused).

The file is parsed with ``defusedxml`` (no DTDs, no entity expansion).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _

from core.errors import Refused
from questionbank import rich_text, shapes
from questionbank.models import Question
from questionbank.reports import Issue, Reading
from questionbank.rich_text import ImageRefused, Rich
from questionbank.shapes import Draft

Kind = Question.Kind

MAX_QUESTIONS = 5000
SUPPORTED = {"multichoice", "truefalse", "shortanswer", "essay"}


def looks_like(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<?xml") or head.startswith(b"<quiz")


def read(data: bytes, filename: str) -> tuple[list[Draft], list[Issue]]:
    """The questions of a Moodle XML file and the problems found, question by question."""
    try:
        root = SafeET.fromstring(data)
    except ParseError as error:
        line, column = error.position
        return [], [
            Issue(
                _("The XML is broken near line %(line)d, column %(column)d.")
                % {"line": line, "column": column + 1},
                line=line,
            )
        ]
    except DefusedXmlException:
        return [], [Issue(_("The file declares a DTD or entities, which are not accepted."))]
    if root.tag != "quiz":
        return [], [Issue(_("This is not a Moodle XML question file (no <quiz> element)."))]
    reading = Reading()
    chapter = ""
    elements = root.findall("question")
    if len(elements) > MAX_QUESTIONS:
        return [], [Issue(_("A file holds at most %(n)d questions.") % {"n": MAX_QUESTIONS})]
    for index, element in enumerate(elements, 1):
        kind = element.get("type", "")
        name = _plain(element.find("name/text"))
        if kind == "category":
            chapter = _chapter(_plain(element.find("category/text")))
            continue
        where = {"index": index, "name": name}
        if kind not in SUPPORTED:
            message = _("The question type “%(type)s” is not supported.") % {"type": kind}
            reading.refuse(message, **where)
            continue
        try:
            draft = _draft(element, kind, chapter, filename, index)
            draft.where = dict(where)
        except (_Refused, ImageRefused) as refused:
            reading.refuse(refused.message, **where)
            continue
        reading.check(draft, **where)
    return reading.result()


class _Refused(Refused):
    """A refusal; ``message`` says why, for people."""


def _draft(element: Element, kind: str, chapter: str, filename: str, index: int) -> Draft:
    text = _rich(element.find("questiontext"))
    explanation = _rich(element.find("generalfeedback"))
    draft = Draft(
        kind="",
        text=text.text,
        text_html=text.html,
        points=_points(element),
        chapter=chapter[:100],
        explanation=explanation.text,
        explanation_html=explanation.html,
        source=f"{filename}#{index}",
    )
    if kind == "multichoice":
        elements = element.findall("answer")
        if len(elements) > len(shapes.OPTION_KEYS):
            raise _Refused(
                _("A choice question has at most %(n)d options.") % {"n": len(shapes.OPTION_KEYS)}
            )
        options = [_rich(answer) for answer in elements]
        answers = [(_fraction(a), o.text) for a, o in zip(elements, options, strict=True)]
        draft.options = [
            _option(key, option) for key, option in zip(shapes.OPTION_KEYS, options, strict=False)
        ]
        single = (_plain(element.find("single")) or "true").lower() in ("true", "1")
        if single:
            right = [
                key for key, (f, _t) in zip(shapes.OPTION_KEYS, answers, strict=False) if f == 100
            ]
            if len(right) != 1:
                raise _Refused(
                    _("A single-choice question needs exactly one answer with fraction 100.")
                )
            draft.kind, draft.answer = Kind.SINGLE, right[0]
        else:
            right = [
                key for key, (f, _t) in zip(shapes.OPTION_KEYS, answers, strict=False) if f > 0
            ]
            if not right:
                raise _Refused(_("No answer has a positive fraction."))
            draft.kind, draft.answer = Kind.MULTIPLE, right
        return draft
    answers = [(_fraction(a), _formatted(a)) for a in element.findall("answer")]
    if kind == "truefalse":
        right = [answer_text.strip().lower() for f, answer_text in answers if f == 100]
        if len(right) != 1 or right[0] not in ("true", "false"):
            raise _Refused(_("A true-or-false question needs “true” or “false” with fraction 100."))
        draft.kind, draft.answer = Kind.TRUE_FALSE, "T" if right[0] == "true" else "F"
        draft.options = list(shapes.TRUE_FALSE_OPTIONS)
    elif kind == "shortanswer":
        accepted = [answer_text.strip() for f, answer_text in answers if f == 100]
        if not accepted:
            raise _Refused(_("No answer has fraction 100."))
        if any("*" in t for t in accepted):
            raise _Refused(_("Wildcards (*) in accepted answers are not supported."))
        draft.kind, draft.answer = Kind.FILL_IN, [accepted]
    else:  # essay
        draft.kind = Kind.SHORT_ANSWER
        draft.answer = _formatted(element.find("graderinfo"))
    return draft


def _option(key: str, rich: Rich) -> dict[str, str]:
    option = {"key": key, "text": rich.text}
    if rich_text.needs_html(rich.html, rich.text):
        option["html"] = rich.html
    return option


PLUGINFILE = "@@PLUGINFILE@@"


def _rich(element: Element | None) -> Rich:
    """The sanitised HTML and plain text of an element with a ``format`` attribute, a
    ``<text>`` child and, for its images, ``<file>`` children."""
    if element is None:
        return Rich(html="", text="")
    markup = (element.findtext("text") or "").strip()
    if element.get("format", "html") != "html":
        return Rich(html=rich_text.from_plain(markup), text=markup)
    files = {
        (file.get("path") or "/") + file.get("name", ""): file for file in element.findall("file")
    }
    used = 0

    def find(src: str) -> bytes | None:
        nonlocal used
        if not src.startswith(PLUGINFILE + "/"):
            return None
        used += 1
        name = unquote(src.removeprefix(PLUGINFILE).split("?", 1)[0])
        file = files.get(name)
        if file is None:
            return None
        if file.get("encoding", "base64") != "base64":
            raise ImageRefused(
                _("The file “%(name)s” is not base64-encoded, so it cannot be read.")
                % {"name": name.lstrip("/")}
            )
        return rich_text.decode_base64(file.text or "", name.lstrip("/"))

    rich = rich_text.clean(markup, find)
    if markup.count(PLUGINFILE) > used:
        raise _Refused(
            _(
                "The text links to an attached file that is not shown as an image; only "
                "images shown in the text are kept."
            )
        )
    return rich


def _points(element: Element) -> int:
    raw = _plain(element.find("defaultgrade")) or "1"
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise _Refused(_("<defaultgrade> is not a number.")) from None
    if value != value.to_integral_value():
        raise _Refused(
            _("Points must be a whole number; <defaultgrade> is %(value)s.") % {"value": raw}
        )
    return int(value)


# Moodle's question_bank::fraction_options_full(): the grades an answer may have, in per cent
# (negatives too). Its importer snaps a fraction to the nearest one within 0.001 % and
# refuses the file otherwise; this importer does the same.
VALID_FRACTIONS = tuple(
    Decimal(v)
    for v in [
        "100",
        "90",
        "83.33333",
        "80",
        "75",
        "70",
        "66.66667",
        "60",
        "50",
        "40",
        "33.33333",
        "30",
        "25",
        "20",
        "16.66667",
        "14.28571",
        "12.5",
        "11.11111",
        "10",
        "5",
        "0",
    ]
)
_TOLERANCE = Decimal("0.001")


def valid_fraction(value: Decimal) -> Decimal | None:
    """The valid Moodle fraction ``value`` stands for (within Moodle's tolerance), or None."""
    for valid in VALID_FRACTIONS:
        if abs(abs(value) - valid) <= _TOLERANCE:
            return valid if value >= 0 else -valid
    return None


def _fraction(answer: Element) -> Decimal:
    raw = answer.get("fraction", "0")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise _Refused(_("An answer's fraction is not a number.")) from None
    snapped = valid_fraction(value)
    if snapped is None:
        raise _Refused(
            _("The fraction %(value)s is not one of Moodle's grades (100, 90, 83.33333, …, 5, 0).")
            % {"value": raw}
        )
    return snapped


def _chapter(path: str) -> str:
    # "$course$/top/第一章 常识" → "第一章 常识": the last level names the chapter. A slash
    # inside a name is written "//", as Moodle's split_category_path reads it.
    parts = [
        part.replace("\0", "/")
        for part in path.replace("//", "\0").split("/")
        if part and not part.startswith("$")
    ]
    parts = [part for part in parts if part != "top"]
    return parts[-1].strip() if parts else ""


def _plain(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _formatted(element: Element | None) -> str:
    """The text of an element with a ``format`` attribute and a ``<text>`` child, as plain text."""
    if element is None:
        return ""
    text = _plain(element.find("text"))
    if element.get("format", "html") != "html":
        return text
    if re.search(r"<img\b|@@PLUGINFILE@@", text, re.IGNORECASE):
        raise _Refused(_("Images and attached files are not supported; the text would lose them."))
    return html_to_text(text)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment (``rich_text.to_text``)."""
    return rich_text.to_text(markup)
