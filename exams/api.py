"""The exam client's JSON API (used by the exam page itself). Sessions authenticate; CSRF is
checked on every unsafe request. A candidate reaches only their own attempts: any other ID is
a 404, indistinguishable from one that does not exist. An exam that requires Safe Exam Browser
refuses requests without a valid SEB hash (403)."""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from typing import Any, Literal

from django.conf import settings
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import StrictInt, field_validator

from core import ratelimit
from core.errors import Refused
from core.json_views import RefusedOut
from exams import attempt_sessions, seb, services
from exams.models import Attempt, AttemptEvent
from questionbank.models import Question

router = Router(tags=["exam"])

# A page event is queued while the candidate is offline and sent when they are back, so its
# time on the candidate's computer may be hours old; a clock set wrong may be ahead a little.
CLIENT_TIME_PAST = dt.timedelta(days=2)
CLIENT_TIME_FUTURE = dt.timedelta(hours=1)


class OptionOut(Schema):
    key: str
    text: str
    html: str = Field(description="the option as sanitised HTML, to show in place of the text")


class QuestionOut(Schema):
    id: int
    position: int
    kind: str
    text: str
    html: str = Field(description="the text as sanitised HTML, to show in place of the text")
    points: int
    options: list[OptionOut]
    blanks: int = Field(description="number of blanks of a fill-in question, else 0")


class SavedAnswerOut(Schema):
    response: Any
    seq: int


class AttemptOut(Schema):
    id: int
    status: str
    remaining_seconds: int
    grace_seconds: int = Field(
        description="how long after the deadline answers typed in time are still accepted"
    )
    deadline: str | None
    earliest_submission: str | None
    leave_policy: str
    questions: list[QuestionOut]
    answers: dict[str, SavedAnswerOut]


class AnswerIn(Schema):
    response: Any = Field(..., description="the answer in its kind's shape; null clears it")
    # Strict: "20", 21.0 or true are refused, not read as a number; the page sends integers.
    seq: StrictInt = Field(..., ge=1, le=2_000_000_000)


class AnswerSavedOut(Schema):
    question_id: int
    seq: int
    remaining_seconds: int


class AnswerRefusedOut(RefusedOut):
    """A refused save or submission (``RefusedOut`` with where the attempt stands)."""

    current_seq: int | None = None
    remaining_seconds: int | None = None


class SubmittedOut(Schema):
    status: str
    result_url: str


class EventIn(Schema):
    kind: Literal[
        "hidden",
        "blur",
        "fullscreen_exit",
        "copy",
        "paste",
        "context_menu",
        "returned",
        "extra_display",
        "single_display",
    ]
    client_at: dt.datetime | None = Field(
        None, description="when it happened on the candidate's computer, with its UTC offset"
    )

    @field_validator("client_at")
    @classmethod
    def _plausible_time(cls, value: dt.datetime | None) -> dt.datetime | None:
        """An aware time no further from the server's clock than an offline exam day can be,
        kept in UTC (PostgreSQL refuses some offsets Python accepts, such as +23:59)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("client_at must carry a UTC offset, e.g. 2026-05-01T08:30:00Z")
        value = value.astimezone(dt.UTC)
        now = timezone.now()
        if not now - CLIENT_TIME_PAST <= value <= now + CLIENT_TIME_FUTURE:
            raise ValueError("client_at is too far from the server's time")
        return value


class EventOut(Schema):
    action: str
    message: str
    warnings: int
    result_url: str | None = None


def _seb_allows(request: HttpRequest, attempt: Attempt) -> bool:
    return seb.request_allowed(request, attempt.registration.exam)


def _session_refusal(request: HttpRequest, attempt: Attempt) -> services.AnswerRefused | None:
    """Why this browser session may not use ``attempt`` (``exams.attempt_sessions``), or None."""
    match attempt_sessions.access(request, attempt):
        case attempt_sessions.Access.OK:
            return None
        case attempt_sessions.Access.REVERIFY:
            return services.AnswerRefused(
                "identity_required",
                _("Confirm your identity on this device first: open the exam page again."),
            )
        case _:
            return services.AnswerRefused(
                "open_elsewhere",
                _("This exam is open on another device. Ask your proctor for help."),
            )


def _gate(request: HttpRequest, attempt: Attempt) -> bool:
    """The save path's check, inside its locked read: Safe Exam Browser, then the session."""
    if not _seb_allows(request, attempt):
        return False
    refused = _session_refusal(request, attempt)
    if refused is not None:
        raise refused
    return True


def _own_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    attempt = get_object_or_404(
        Attempt.objects.of_candidate(request.user).select_related("registration__exam"),
        pk=attempt_id,
    )
    if not seb.request_allowed(request, attempt.registration.exam):
        raise Refused(
            _("This exam must be taken in Safe Exam Browser."), code="seb_required", status=403
        )
    refused = _session_refusal(request, attempt)
    if refused is not None:
        raise Refused(refused.message, code=refused.code, status=409)
    return attempt


@router.get("/attempts/{attempt_id}", response={200: AttemptOut, 409: RefusedOut})
def attempt_state(request: HttpRequest, attempt_id: int) -> dict[str, Any]:
    """Everything the exam page needs to (re)draw itself: the candidate's paper in their order,
    saved answers, time left. Correct answers are never sent."""
    attempt = _own_attempt(request, attempt_id)
    questions = Question.objects.in_bulk(attempt.question_ids())
    paper = []
    for position, item in enumerate(attempt.paper, start=1):
        question = questions[int(item["question"])]
        options = {str(o["key"]): o for o in question.options_display()}
        paper.append(
            {
                "id": question.pk,
                "position": position,
                "kind": question.kind,
                "text": question.text,
                # Sanitised again on the way out (rich_text.display): only the allow-list's
                # markup reaches the page, whatever the row holds.
                "html": str(question.text_display()),
                "points": item["points"],
                "options": [
                    {
                        "key": key,
                        "text": str(options[key]["text"]),
                        "html": str(options[key]["content"]),
                    }
                    for key in item["options"]
                ],
                "blanks": len(question.answer) if question.kind == Question.Kind.FILL_IN else 0,
            }
        )
    answers = {
        str(question_id): {"response": response, "seq": seq}
        for question_id, response, seq in attempt.answers.values_list(
            "question_id", "response", "seq"
        )
    }
    earliest = services.earliest_submission(attempt)
    return {
        "id": attempt.pk,
        "status": attempt.status,
        "remaining_seconds": attempt.remaining_seconds(),
        "grace_seconds": settings.EXAM_SAVE_GRACE_SECONDS,
        "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
        "earliest_submission": earliest.isoformat() if earliest else None,
        "leave_policy": attempt.registration.exam.leave_policy,
        "questions": paper,
        "answers": answers,
    }


@router.put(
    "/attempts/{attempt_id}/answers/{question_id}",
    response={
        200: AnswerSavedOut,
        409: AnswerRefusedOut,
        413: RefusedOut,
        422: AnswerRefusedOut,
    },
)
def save_answer(request: HttpRequest, attempt_id: int, question_id: int, payload: AnswerIn) -> Any:
    """Save one answer. 200 means it is committed to the database; 409 means it was refused
    (``stale``, ``finished``, ``time_over``) and the client should stop retrying it, or
    ``paused``: a required camera is lost (``services.views_down``), and the client keeps the
    answer and sends it again once the camera is back; 422 means
    the answer itself is not acceptable (``invalid_response``, ``not_on_paper``). Until the
    deadline plus ``EXAM_SAVE_GRACE_SECONDS`` a save is taken even when the paper was submitted
    after its deadline (see ``services.takes_late_answers``); later ones are ``time_over``."""
    if len(json.dumps(payload.response, ensure_ascii=False)) > settings.EXAM_MAX_ANSWER_CHARS:
        return Status(413, {"code": "too_large", "message": _("This answer is too long to save.")})
    # One locked read finds the attempt, checks its owner and its exam's SEB rule: this is the
    # hot path of every exam, kept to the fewest queries.
    gate = partial(_gate, request)
    try:
        seq, attempt = services.save_answer(
            attempt_id, question_id, payload.response, payload.seq, owner=request.user, gate=gate
        )
    except services.AttemptNotFound:
        raise Http404 from None
    except services.AnswerRefused as refused:
        if refused.code == "seb_required":
            raise Refused(refused.message, code="seb_required", status=403) from None
        status = 422 if refused.code in {"invalid_response", "not_on_paper"} else 409
        attempt = Attempt.objects.get(pk=attempt_id)
        refusal = {
            "code": refused.code,
            "message": refused.message,
            "current_seq": refused.current_seq,
            "remaining_seconds": attempt.remaining_seconds(),
        }
        return Status(status, refusal)
    saved = {
        "question_id": question_id,
        "seq": seq,
        "remaining_seconds": attempt.remaining_seconds(),
    }
    return Status(200, saved)


@router.post("/attempts/{attempt_id}/submit", response={200: SubmittedOut, 409: AnswerRefusedOut})
def submit(request: HttpRequest, attempt_id: int) -> Any:
    """Submit the attempt. Repeating it is harmless: the paper is submitted once."""
    attempt = _own_attempt(request, attempt_id)
    try:
        attempt = services.submit(attempt, actor=request.user, request=request, now=timezone.now())
    except services.FlowRefused as refused:
        return Status(
            409,
            {
                "code": "too_early",
                "message": refused.message,
                "remaining_seconds": attempt.remaining_seconds(),
            },
        )
    return Status(
        200, {"status": attempt.status, "result_url": reverse("exams:result", args=[attempt.pk])}
    )


@router.post(
    "/attempts/{attempt_id}/events", response={200: EventOut, 409: RefusedOut, 429: RefusedOut}
)
def report_event(request: HttpRequest, attempt_id: int, payload: EventIn) -> Any:
    """Report leaving the page, losing focus or fullscreen, a blocked copy/paste (R-EXAM-6), or
    another display attached or gone (``extra_display``, ``single_display``).
    The exam's policy decides the answer: ``logged``, ``warned``, ``pending`` (the attempt
    ends if the candidate stays away past the exam's grace) or ``consumed``. ``client_at`` is
    when the page saw it: events queued offline arrive later, stamped with their own time."""
    attempt = _own_attempt(request, attempt_id)
    if not ratelimit.hit(
        "exam-events", str(attempt.pk), limit=settings.EXAM_EVENTS_PER_MINUTE, fail_open=True
    ):
        return Status(429, {"code": "too_many", "message": _("Too many events reported.")})
    if payload.kind not in AttemptEvent.Kind.values:
        raise Http404
    action, attempt = services.record_event(attempt, payload.kind, client_at=payload.client_at)
    message = {
        "pending": _(
            "You left the exam page. Come back at once: staying away longer than "
            "%(seconds)s seconds ends this attempt, and it counts as used."
        )
        % {"seconds": attempt.registration.exam.leave_grace_seconds},
        "logged": "",
        "warned": _(
            "You left the exam page. This has been recorded; "
            "leaving again may be treated as a violation."
        ),
        "consumed": _("You left the exam page, so this attempt has ended and counts as used."),
    }[action]
    result_url = reverse("exams:result", args=[attempt.pk]) if action == "consumed" else None
    return Status(
        200,
        {
            "action": action,
            "message": message,
            "warnings": attempt.warnings,
            "result_url": result_url,
        },
    )
