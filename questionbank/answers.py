"""What a candidate may answer to a question, and what it scores: the exam engine's contract.

The engine calls three functions and nothing else of this app while a paper is answered:

- ``clean_response(question, raw)`` before it stores what the browser sent. ``raw`` is the
  JSON-decoded value; the result is the normalised response to store (JSON-serialisable) or
  ``None`` when the candidate cleared the answer. Anything else raises ``InvalidResponse``.
- ``score(question, response)`` when the paper is graded: the points for an objective question,
  ``None`` for a short answer, which a marker scores.
- ``option_order(question, rng)`` when a paper is drawn for a candidate: the order in which that
  candidate sees a choice question's options.

Stored response shapes, by kind (mirroring ``Question.answer``):

==============  =====================================================================
single          one option key, ``"B"``
multiple        the chosen keys, distinct and sorted, ``["A", "C"]``
true_false      ``"T"`` or ``"F"``
fill_in         one string per blank, each stripped: ``["北京", ""]``
short_answer    the text (line ends normalised to ``\\n``)
==============  =====================================================================

An empty choice (``[]``), a fill-in whose blanks are all empty and a blank short answer are
normalised to ``None``: they are the same as a cleared answer, so "answered" always means
"something was given".
"""

from __future__ import annotations

import random
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import Refused
from questionbank.models import Question

Kind = Question.Kind

# C0 controls and DEL. PostgreSQL's jsonb refuses U+0000, and none of them can be typed into an
# answer box, so a response holding one was not typed by a candidate.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


class InvalidResponse(Refused):
    """A response that is not a possible answer to its question.

    ``message`` is a sentence for the candidate, already translated into the active language.
    """


def clean_response(question: Question, raw: Any) -> Any:
    """The normalised form of ``raw`` for ``question`` (see the module docstring), or ``None``.

    Raises ``InvalidResponse`` for a wrong type, an unknown option key, a repeated key, the wrong
    number of blanks, text that is too long or holds control characters.
    """
    if raw is None:
        return None
    kind = question.kind
    if kind == Kind.SINGLE:
        return _clean_key(question, raw)
    if kind == Kind.MULTIPLE:
        return _clean_keys(question, raw)
    if kind == Kind.TRUE_FALSE:
        return _clean_true_false(raw)
    if kind == Kind.FILL_IN:
        return _clean_blanks(question, raw)
    if kind == Kind.SHORT_ANSWER:
        return _clean_short_answer(raw)
    raise InvalidResponse(_("This kind of question cannot be answered here."))


def _clean_key(question: Question, raw: Any) -> str:
    if not isinstance(raw, str) or raw not in question.option_keys():
        raise InvalidResponse(_("The answer is not one of this question's options."))
    return raw


def _clean_keys(question: Question, raw: Any) -> list[str] | None:
    if not isinstance(raw, list):
        raise InvalidResponse(_("Send the chosen options as a list."))
    keys = question.option_keys()
    if any(not isinstance(key, str) or key not in keys for key in raw):
        raise InvalidResponse(_("The answer is not one of this question's options."))
    if len(set(raw)) != len(raw):
        raise InvalidResponse(_("An option is chosen more than once."))
    return sorted(raw) or None


def _clean_true_false(raw: Any) -> str:
    # JSON true/false is accepted as well: a client that sends booleans means the same thing.
    if raw is True or raw == "T":
        return "T"
    if raw is False or raw == "F":
        return "F"
    raise InvalidResponse(_("Answer with true or false."))


def _clean_blanks(question: Question, raw: Any) -> list[str] | None:
    blanks = len(question.answer)
    if not isinstance(raw, list) or len(raw) != blanks:
        raise InvalidResponse(
            _("This question has %(count)d blanks; send one text for each.") % {"count": blanks}
        )
    limit = settings.QUESTIONBANK_FILL_IN_MAX_CHARS
    cleaned = []
    for text in raw:
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise InvalidResponse(_("Each blank must be filled in with text."))
        text = _check_text(text, _LINE_CONTROL).strip()
        if len(text) > limit:
            raise InvalidResponse(
                _("A blank holds at most %(limit)d characters.") % {"limit": limit}
            )
        cleaned.append(text)
    return cleaned if any(cleaned) else None


def _clean_short_answer(raw: Any) -> str | None:
    if not isinstance(raw, str):
        raise InvalidResponse(_("The answer must be text."))
    text = _check_text(raw.replace("\r\n", "\n").replace("\r", "\n"), _CONTROL)
    limit = settings.QUESTIONBANK_SHORT_ANSWER_MAX_CHARS
    if len(text) > limit:
        raise InvalidResponse(
            _("The answer is longer than %(limit)d characters.") % {"limit": limit}
        )
    return text if text.strip() else None


def _check_text(text: str, forbidden: re.Pattern[str]) -> str:
    if forbidden.search(text):
        raise InvalidResponse(_("The answer contains characters that cannot be typed."))
    try:
        # A lone surrogate ("\ud800" in JSON) decodes into a str that no database can store.
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidResponse(_("The answer contains characters that cannot be typed.")) from None
    return text


def score(question: Question, response: Any, *, partial_credit: bool = False) -> int | None:
    """Points ``response`` earns on ``question``; ``None`` for a short answer (a marker scores it).

    ``response`` is what ``clean_response`` returned; anything that no longer passes it (the
    question changed since, or a row was edited by hand) earns 0 rather than failing the grading.

    - single, true/false: all the points for the right key, 0 otherwise.
    - multiple: all-or-nothing by default. With ``partial_credit`` (the paper's rule, as in the
      new Gaokao): any wrong key scores 0; otherwise the points times the share of the right keys
      chosen, rounded down (4 points, 3 right keys, 2 chosen → 2).
    - fill-in: each blank is compared with its accepted texts after normalisation (full-width
      letters, digits and punctuation to half-width, case folded, surrounding spaces removed,
      inner runs of spaces made one); the points times the share of right blanks, rounded down,
      so a question never gives more than its points.
    """
    if question.kind == Kind.SHORT_ANSWER:
        return None
    try:
        response = clean_response(question, response)
    except InvalidResponse:
        return 0
    if response is None:
        return 0
    points = int(question.points)
    kind = question.kind
    if kind in (Kind.SINGLE, Kind.TRUE_FALSE):
        return points if response == question.answer else 0
    if kind == Kind.MULTIPLE:
        right = set(question.answer)
        chosen = set(response)
        if chosen == right:
            return points
        if not partial_credit or not right or chosen - right:
            return 0
        return points * len(chosen) // len(right)
    if kind == Kind.FILL_IN:
        accepted = question.answer
        matches = sum(
            1
            for given, texts in zip(response, accepted, strict=True)
            if given and normalise_blank(given) in {normalise_blank(t) for t in texts}
        )
        return points * matches // len(accepted)
    return 0


def normalise_blank(text: str) -> str:
    """The form in which a fill-in text is compared: NFKC (full-width Ａ１， become A1,),
    case-folded, stripped, with runs of whitespace (the ideographic space too) made one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def option_order(question: Question, rng: random.Random) -> list[str]:
    """The option keys of ``question`` in the order one candidate sees them.

    Single and multiple choice are shuffled with ``rng`` (seed it per candidate and question to
    show the same order again after a reload); true/false keeps its order, true first; other
    kinds have no options and give ``[]``.
    """
    keys = question.option_keys()
    if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        rng.shuffle(keys)
        return keys
    if question.kind == Kind.TRUE_FALSE:
        return keys
    return []
