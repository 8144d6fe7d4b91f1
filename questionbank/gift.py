"""GIFT question files (Moodle's plain-text question format).

A file is a list of questions separated by blank lines; lines starting with ``//`` are comments
and ``$CATEGORY:`` lines are ignored. A question is an optional ``::title::``, an optional text
format (``[html]``, ``[moodle]``, ``[plain]``, ``[markdown]``; HTML is sanitised and kept as in
Moodle XML files, its plain text beside it; a GIFT file cannot carry images, so an ``<img>`` is
refused), its text and one answer block ``{…}``. ``\\~ \\= \\# \\{ \\} \\:`` stand for
the characters themselves, ``\\n`` for a line end.

Mapped answer blocks: ``{=right ~wrong}`` → single choice; ``{~%50%a ~%50%b ~%-100%c}`` →
multiple choice whose right options are those of positive weight (the positive weights must add
up to 100); ``{T}``/``{F}``/``{TRUE}``/``{FALSE}`` → true or false; ``{=a =b}`` → fill-in with
one blank accepting a or b (``____`` is added at the end of the text unless it marks a blank);
``{}`` → short answer with an empty reference. An answer block in the middle of the text
becomes the blank ``____``. The title is not kept (a bank question has none); feedback (``#…``)
is dropped. Numeric (``{#…}``) and matching (``{=a -> b}``) questions are reported as
unsupported. Every problem carries the line where its question starts.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.errors import Refused
from questionbank import rich_text, shapes
from questionbank.models import Question
from questionbank.moodle import MAX_QUESTIONS
from questionbank.reports import Issue, Reading
from questionbank.shapes import Draft

Kind = Question.Kind

BLANK = "____"
FORMATS = ("html", "moodle", "plain", "markdown")
# Escaped characters are swapped for private-use characters while the question is taken apart,
# so an escaped "}" or "~" is never read as syntax; they are swapped back in the texts.
_ESCAPES = {"\\": "\ue000", "~": "\ue001", "=": "\ue002", "#": "\ue003", "{": "\ue004"}
_ESCAPES |= {"}": "\ue005", ":": "\ue006"}
_UNESCAPE = {code: char for char, code in _ESCAPES.items()}
_ANSWER_BLOCK = re.compile(rb"\{[^{}\r\n]*\}|\{\s*\r?\n[^{}]*\}")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


def looks_like(data: bytes) -> bool:
    """Text (no NUL bytes, not XML) with an answer block ``{…}``."""
    head = data[:65536]
    if b"\x00" in head or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return False
    return _ANSWER_BLOCK.search(head) is not None


def read(data: bytes, filename: str) -> tuple[list[Draft], list[Issue]]:
    """The questions of a GIFT file and the problems found, question by question."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [
            Issue(_("The GIFT file is not UTF-8 text. Save it as UTF-8 and import it again."))
        ]
    blocks = _blocks(text)
    if len(blocks) > MAX_QUESTIONS:
        return [], [Issue(_("A file holds at most %(n)d questions.") % {"n": MAX_QUESTIONS})]
    reading = Reading()
    for line, block in blocks:
        try:
            draft = _draft(block, filename, line)
        except _Refused as refused:
            reading.refuse(refused.message, line=line)
            continue
        draft.where = {"line": line}
        reading.check(draft, line=line)
    return reading.result()


class _Refused(Refused):
    """A refusal; ``message`` says why, for people."""


def _blocks(text: str) -> list[tuple[int, str]]:
    """The questions of the file as ``(line where it starts, its text)``."""
    blocks: list[tuple[int, str]] = []
    lines: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("//") or stripped.startswith("$CATEGORY:"):
            continue
        if not stripped:
            if lines:
                blocks.append((start, "\n".join(lines)))
                lines = []
            continue
        if not lines:
            start = number
        lines.append(raw)
    if lines:
        blocks.append((start, "\n".join(lines)))
    return blocks


def _protect(text: str) -> str:
    return re.sub(r"\\([\\~=#{}:n])", lambda m: "\n" if m[1] == "n" else _ESCAPES[m[1]], text)


def _restore(text: str) -> str:
    return "".join(_UNESCAPE.get(char, char) for char in text)


def _draft(block: str, filename: str, line: int) -> Draft:
    body = _protect(block).strip()
    if body.startswith("::"):
        end = body.find("::", 2)
        if end < 0:
            raise _Refused(_("The title has no closing “::”."))
        body = body[end + 2 :].lstrip()
    text_format = "moodle"
    match = re.match(r"\[(\w+)\]", body)
    if match:
        if match[1].lower() not in FORMATS:
            raise _Refused(
                _("The text format “%(format)s” is not known; use html, moodle, plain or markdown.")
                % {"format": match[1]}
            )
        text_format = match[1].lower()
        body = body[match.end() :]
    opening, closing = body.find("{"), body.find("}")
    if opening < 0:
        raise _Refused(_("The question has no answer block {…}; text-only items are not imported."))
    if closing < opening:
        raise _Refused(_("The answer block has no closing “}”."))
    if "{" in body[opening + 1 :] or "}" in body[closing + 1 :]:
        raise _Refused(_("A question may have only one answer block {…}."))
    before, answers, after = body[:opening], body[opening + 1 : closing], body[closing + 1 :]
    in_middle = bool(after.strip())
    stem = f"{before.rstrip()} {BLANK} {after.lstrip()}" if in_middle else before
    text, html = _rich(stem, text_format)
    draft = Draft(kind="", text=text, text_html=html, source=f"{filename}:{line}")
    _answer(draft, answers.strip(), text_format, in_middle)
    return draft


def _rich(raw: str, text_format: str) -> tuple[str, str]:
    """The plain text and, for ``[html]``, the sanitised HTML of a text ("" otherwise)."""
    if text_format != "html":
        return _text(raw, text_format), ""
    if re.search(r"<img\b|@@PLUGINFILE@@", raw, re.IGNORECASE):
        raise _Refused(
            _(
                "A GIFT file cannot carry images or attached files. Export the question as "
                "Moodle XML (which holds its images) and import that file."
            )
        )
    rich = rich_text.clean(_restore(raw))
    return rich.text, rich.html


def _text(raw: str, text_format: str) -> str:
    if text_format == "html":
        return _rich(raw, text_format)[0]
    lines = [re.sub(r"[ \t]+", " ", part).strip() for part in _restore(raw).split("\n")]
    return "\n".join(part for part in lines if part)


def _answer(draft: Draft, answers: str, text_format: str, in_middle: bool) -> None:
    if not answers:
        draft.kind, draft.answer = Kind.SHORT_ANSWER, ""
        return
    if answers.startswith("#"):
        raise _Refused(_("Numeric questions ({#…}) are not supported."))
    if "->" in answers:
        raise _Refused(_("Matching questions ({=a -> b}) are not supported."))
    verdict = answers.split("#", 1)[0].strip().upper()
    if verdict in ("T", "TRUE", "F", "FALSE"):
        draft.kind, draft.answer = Kind.TRUE_FALSE, verdict[0]
        draft.options = list(shapes.TRUE_FALSE_OPTIONS)
        return
    parts = re.split(r"([=~])", answers)
    if parts[0].strip():
        raise _Refused(_("Every answer in {…} must start with “=” (right) or “~” (wrong)."))
    marked: list[tuple[str, Decimal, str]] = []
    for marker, content in zip(parts[1::2], parts[2::2], strict=True):
        weight, answer_text = _weighted(content.split("#", 1)[0].strip(), marker)
        marked.append((marker, weight, answer_text))
    if all(marker == "=" for marker, _w, _t in marked):
        accepted = [_text(t, text_format) for _m, weight, t in marked if weight == 100]
        if not accepted:
            raise _Refused(_("No answer is fully right (weight 100)."))
        if any("*" in t for t in accepted):
            raise _Refused(_("Wildcards (*) in accepted answers are not supported."))
        draft.kind, draft.answer = Kind.FILL_IN, [accepted]
        if not in_middle and not shapes.BLANK_MARK.search(draft.text):
            # The blank is at the end of the text; marking it makes it visible to candidates.
            draft.text = f"{draft.text} {BLANK}" if draft.text else BLANK
            if draft.text_html:
                draft.text_html += f"<p>{BLANK}</p>"
        return
    if len(marked) > len(shapes.OPTION_KEYS):
        raise _Refused(
            _("A choice question has at most %(n)d options.") % {"n": len(shapes.OPTION_KEYS)}
        )
    keys = shapes.OPTION_KEYS
    draft.options = [
        _option(key, t, text_format) for key, (_m, _w, t) in zip(keys, marked, strict=False)
    ]
    right = [key for key, (marker, _w, _t) in zip(keys, marked, strict=False) if marker == "="]
    if right:
        if len(right) > 1:
            raise _Refused(
                _(
                    "A choice question marks more than one answer with “=”; give several right "
                    "answers weights instead, such as %(example)s."
                )
                % {"example": "~%50%"}
            )
        if any(marker == "~" and weight > 0 for marker, weight, _t in marked):
            raise _Refused(
                _(
                    "A single-choice question cannot give partial credit to a wrong answer; "
                    "remove the positive weights from the “~” answers."
                )
            )
        draft.kind, draft.answer = Kind.SINGLE, right[0]
        return
    positive = [weight for _m, weight, _t in marked if weight > 0]
    if not positive:
        raise _Refused(
            _("No answer is right: mark one with “=” or give weights such as %(example)s.")
            % {"example": "~%50%"}
        )
    total = sum(positive, Decimal(0))
    # Three right answers of 33.333% are fine; Moodle rounds the same way.
    if abs(total - 100) > Decimal("0.1"):
        raise _Refused(
            _("The positive weights add up to %(sum)s%%, not 100%%.")
            % {"sum": f"{total.normalize():f}"}
        )
    draft.kind = Kind.MULTIPLE
    draft.answer = [key for key, (_m, w, _t) in zip(keys, marked, strict=False) if w > 0]


def _option(key: str, raw: str, text_format: str) -> dict[str, str]:
    text, html = _rich(raw, text_format)
    option = {"key": key, "text": text}
    if html and rich_text.needs_html(html, text):
        option["html"] = html
    return option


def _weight_format() -> str:
    return _("A weight must be a number between percent signs, such as %(example)s.") % {
        "example": "~%50%"
    }


def _weighted(content: str, marker: str) -> tuple[Decimal, str]:
    """The weight of one answer (``%50%text``) and its text; "=" is 100 and "~" 0 unless given."""
    match = _WEIGHT.match(content)
    if match is None:
        if content.startswith("%"):
            raise _Refused(_weight_format())
        return Decimal(100 if marker == "=" else 0), content
    try:
        weight = Decimal(match[1])
    except InvalidOperation:  # pragma: no cover — the pattern only matches numbers
        raise _Refused(_weight_format()) from None
    if not -100 <= weight <= 100:
        raise _Refused(
            _("A weight must be from -100 to 100; %(weight)s%% is not.") % {"weight": match[1]}
        )
    return weight, content[match.end() :].strip()
