"""GIFT question files (Moodle's plain-text format), read the way Moodle's ``qformat_gift`` reads
them.

Questions are separated by blank lines; lines starting with ``//`` are comments; ``$CATEGORY:``
sets the chapter of the questions after it; ``::title::`` names a question; ``[html]``,
``[moodle]``, ``[plain]`` and ``[markdown]`` set the text format (HTML is turned into plain text);
``\\~ \\= \\# \\{ \\} \\:`` are literal characters. Mapped: ``{T}``/``{F}``/``{TRUE}``/``{FALSE}`` →
true/false; ``{=right ~wrong}`` → single choice; ``{~%50%a ~%50%b ~%-100%c}`` (weights) →
multiple choice, whose right options have a positive weight; ``{=a =b}`` → fill-in with one blank
(an answer block inside the text marks where); ``{}`` → short answer. Matching (``->``), numerical
(``{#…}``) and anything else is refused with the question's line. The file must be UTF-8.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from questionbank import shapes
from questionbank.models import Question
from questionbank.moodle import html_to_text, valid_fraction
from questionbank.reports import Issue
from questionbank.shapes import Draft

Kind = Question.Kind

MAX_QUESTIONS = 5000
BLANK = "____"
# Escaped characters are swapped for private-use code points while parsing, as Moodle swaps them
# for placeholders, so that they never count as GIFT syntax.
_ESCAPES = {
    "\\\\": "\ue000",
    "\\~": "\ue001",
    "\\=": "\ue002",
    "\\#": "\ue003",
    "\\{": "\ue004",
    "\\}": "\ue005",
    "\\:": "\ue006",
    "\\n": "\ue007",
}
_UNESCAPED = {
    "\ue000": "\\",
    "\ue001": "~",
    "\ue002": "=",
    "\ue003": "#",
    "\ue004": "{",
    "\ue005": "}",
    "\ue006": ":",
    "\ue007": "\n",
}
_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?[0-9.]+)%")


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def looks_like(data: bytes) -> bool:
    """Whether ``data`` reads as GIFT text: no NUL bytes, and an answer block ``{…}``."""
    head = data[:65536]
    return (
        b"\x00" not in head
        and b"{" in head
        and b"}" in head
        and not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    )


def read(data: bytes, filename: str) -> tuple[list[Draft], list[Issue]]:
    """The questions of a GIFT file and the problems found, each with its starting line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return [], [
            Issue(
                _(
                    "The GIFT file is not UTF-8 (a byte near line %(line)d is not): save it as "
                    "UTF-8 and upload it again."
                )
                % {"line": line},
                line=line,
            )
        ]
    drafts: list[Draft] = []
    issues: list[Issue] = []
    chapter = ""
    blocks = _blocks(text)
    if len(blocks) > MAX_QUESTIONS:
        return [], [Issue(_("A file holds at most %(n)d questions.") % {"n": MAX_QUESTIONS})]
    for line, block in blocks:
        if block.startswith("$CATEGORY:"):
            chapter = _chapter(block[len("$CATEGORY:") :].strip())
            continue
        try:
            draft = _draft(_escape(block), chapter, f"{filename}#L{line}")
        except _Refused as refused:
            issues.append(Issue(refused.message, line=line))
            continue
        draft.where = {"line": line}
        problems = shapes.problems(draft)
        if problems:
            issues.extend(Issue(message, line=line) for _field, message in problems)
        else:
            drafts.append(draft)
    return drafts, issues


def _blocks(text: str) -> list[tuple[int, str]]:
    """``(first line, text)`` of each question: runs of lines between blank lines, comments
    dropped."""
    blocks: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("//"):
            continue
        if not line:
            if current:
                blocks.append((start, "\n".join(current)))
                current = []
            continue
        if not current:
            start = number
        current.append(raw.rstrip())
    if current:
        blocks.append((start, "\n".join(current)))
    return blocks


def _escape(text: str) -> str:
    for escaped, placeholder in _ESCAPES.items():
        text = text.replace(escaped, placeholder)
    return text


def _unescape(text: str) -> str:
    for placeholder, char in _UNESCAPED.items():
        text = text.replace(placeholder, char)
    return text


def _chapter(path: str) -> str:
    parts = [p for p in path.split("/") if p and not p.startswith("$") and p != "top"]
    return parts[-1].strip()[:100] if parts else ""


def _formatted(text: str, text_format: str) -> str:
    text = _unescape(text).strip()
    if text_format == "html":
        if re.search(r"<img\b|@@PLUGINFILE@@", text, re.IGNORECASE):
            raise _Refused(
                _("Images and attached files are not supported; the text would lose them.")
            )
        return html_to_text(text)
    return text


def _draft(block: str, chapter: str, source: str) -> Draft:
    title = ""
    if block.startswith("::"):
        end = block.find("::", 2)
        if end < 0:
            raise _Refused(_("The title is opened with :: but never closed."))
        title, block = block[2:end], block[end + 2 :].lstrip()
    del title  # GIFT titles name questions in Moodle's bank; ours has no such field.
    match = _FORMAT.match(block)
    text_format = "moodle"
    if match:
        text_format = match.group(1).lower()
        block = block[match.end() :]
    opening = block.find("{")
    closing = block.rfind("}")
    if opening < 0:
        raise _Refused(_("The question has no answer block {…}; a description is not a question."))
    if closing < opening:
        raise _Refused(_("The answer block is opened with { but never closed with }."))
    if block.find("{", opening + 1) >= 0 and block.find("{", opening + 1) < closing:
        raise _Refused(_("A question has one answer block; escape a literal brace as \\{."))
    before, inside, after = block[:opening], block[opening + 1 : closing], block[closing + 1 :]
    gap = bool(after.strip())
    question_text = before.rstrip() + (f" {BLANK} " + after.lstrip() if gap else "")
    text = _formatted(question_text, text_format)
    answers_text = inside.strip()
    draft = Draft(kind="", text=text, chapter=chapter, source=source)
    if answers_text.startswith("#"):
        raise _Refused(
            _("Numerical questions ({#…}) cannot be mapped to the platform's question types.")
        )
    if "->" in answers_text:
        raise _Refused(_("Matching questions cannot be mapped to the platform's question types."))
    if not answers_text:
        if gap:
            raise _Refused(_("An essay's answer block {} must come at the end of the text."))
        draft.kind, draft.answer = Kind.SHORT_ANSWER, ""
        return draft
    head = answers_text.split("#", 1)[0].strip().upper()
    if head in ("T", "TRUE", "F", "FALSE"):
        draft.kind = Kind.TRUE_FALSE
        draft.answer = "T" if head.startswith("T") else "F"
        draft.options = list(shapes.TRUE_FALSE_OPTIONS)
        return draft
    answers = _answers(answers_text, text_format)
    if all(mark == "=" for mark, _w, _t in answers):
        accepted = [t for _m, weight, t in answers if weight == 100]
        if not accepted:
            raise _Refused(_("No answer has full marks."))
        draft.kind, draft.answer = Kind.FILL_IN, [accepted]
        if not gap and not shapes.BLANK_MARK.search(text):
            draft.text = f"{text} {BLANK}"
        return draft
    if len(answers) > len(shapes.OPTION_KEYS):
        raise _Refused(
            _("A choice question has at most %(n)d options.") % {"n": len(shapes.OPTION_KEYS)}
        )
    keys = shapes.OPTION_KEYS
    draft.options = [{"key": k, "text": t} for k, (_m, _w, t) in zip(keys, answers, strict=False)]
    full = [k for k, (_m, w, _t) in zip(keys, answers, strict=False) if w == 100]
    positive = [k for k, (_m, w, _t) in zip(keys, answers, strict=False) if w > 0]
    if len(full) == 1 and positive == full:
        draft.kind, draft.answer = Kind.SINGLE, full[0]
    elif positive and not full:
        draft.kind, draft.answer = Kind.MULTIPLE, positive
    else:
        raise _Refused(
            _(
                "A choice question needs one right answer (=) or partial weights "
                "on its right answers."
            )
        )
    return draft


def _answers(inside: str, text_format: str) -> list[tuple[str, Decimal, str]]:
    """``(mark, weight in per cent, text)`` for each ``=``/``~`` answer; feedback dropped."""
    found: list[tuple[str, Decimal, str]] = []
    for match in re.finditer(r"([=~])([^=~]*)", inside):
        mark, body = match.group(1), match.group(2)
        body = body.split("#", 1)[0].strip()
        weight = Decimal(100) if mark == "=" else Decimal(0)
        weighted = _WEIGHT.match(body)
        if weighted:
            try:
                given = Decimal(weighted.group(1))
            except InvalidOperation:
                raise _Refused(_("An answer's weight is not a number.")) from None
            snapped = valid_fraction(given)
            if snapped is None:
                raise _Refused(
                    _(
                        "The weight %(value)s%% is not one of Moodle's grades (100, 90, 83.33333, "
                        "…, 5, 0)."
                    )
                    % {"value": weighted.group(1)}
                )
            weight = snapped
            body = body[weighted.end() :].strip()
        found.append((mark, weight, _formatted(body, text_format)))
    if not found:
        raise _Refused(_("The answer block holds no answer marked with = or ~."))
    return found
