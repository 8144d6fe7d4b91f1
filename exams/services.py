"""Workflows of an exam attempt: start, save an answer, submit, time out, grade.

Each runs in one transaction and changes ``Attempt.status`` only through ``transition_to``.
Answers are acknowledged only after they are committed to the database (DESIGN-BRIEF); live
events and grading are queued with ``transaction.on_commit`` so they never see uncommitted data.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from exams import statuses
from exams.models import Answer, Attempt, Question, Registration
from exams.statuses import AttemptStatus
from proctoring import events


class AnswerRefused(Exception):
    """A save the server will not take; ``code`` tells the client why."""

    def __init__(self, code: str, message: str, *, current_seq: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.current_seq = current_seq


class NoAttemptLeft(Exception):
    pass


def transition_to(
    attempt: Attempt,
    new_status: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    reason: str = "",
    **fields: Any,
) -> bool:
    """Move ``attempt`` to ``new_status`` if nobody else moved it first.

    Raises ``IllegalTransition`` for a move the life cycle forbids. Returns False when the row's
    status was no longer ``attempt.status`` (a concurrent submit, time-out or grading got there
    first); the caller decides whether that is fine.
    """
    old_status = attempt.status
    statuses.check(old_status, new_status)
    with transaction.atomic():
        updated = Attempt.objects.filter(pk=attempt.pk, status=old_status).update(
            status=new_status, **fields
        )
        if updated != 1:
            return False
        attempt.status = new_status
        for name, value in fields.items():
            setattr(attempt, name, value)
        record(
            f"attempt.{new_status}",
            actor=actor,
            target=attempt,
            request=request,
            old_status=old_status,
            reason=reason,
        )
        events.attempt_changed_on_commit(attempt.pk)
    return True


def start_or_resume(registration: Registration, now: dt.datetime | None = None) -> Attempt:
    """The candidate's current attempt, started now if they have none yet."""
    now = now or timezone.now()
    exam = registration.exam
    existing = registration.attempts.order_by("-number").first()
    if existing is not None:
        return existing
    deadline = min(now + exam.duration, exam.closes_at)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                registration=registration, number=1, started_at=now, deadline=deadline
            )
            record("attempt.started", actor=registration.candidate.user, target=attempt)
            events.attempt_changed_on_commit(attempt.pk)
    except IntegrityError:  # the same candidate started in two tabs at once
        attempt = registration.attempts.get(number=1)
    return attempt


def validate_response(question: Question, response: Any) -> Any:
    if response is None:
        return None  # the candidate cleared the answer
    if question.kind == Question.Kind.SINGLE:
        if not isinstance(response, str) or response not in question.option_keys():
            raise AnswerRefused(
                "invalid_response", _("The answer is not one of this question's options.")
            )
        return response
    raise AnswerRefused("invalid_response", _("This kind of question cannot be answered here."))


def save_answer(
    attempt_id: int, question_id: int, response: Any, seq: int, *, now: dt.datetime | None = None
) -> tuple[Answer, Attempt]:
    """Store one answer if ``seq`` is newer than the stored one. The attempt row is locked for
    the save, so a submit or a time-out never interleaves with it."""
    grace = dt.timedelta(seconds=settings.EXAM_SAVE_GRACE_SECONDS)
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update().select_related("registration").get(pk=attempt_id)
        )
        now = now or timezone.now()
        if attempt.status != AttemptStatus.ANSWERING:
            raise AnswerRefused(
                "finished", _("This attempt has been submitted; answers can no longer change.")
            )
        if now > attempt.deadline + grace:
            raise AnswerRefused("time_over", _("Time is up; answers can no longer change."))
        try:
            question = Question.objects.get(pk=question_id, exam_id=attempt.registration.exam_id)
        except Question.DoesNotExist:
            raise AnswerRefused("not_on_paper", _("This question is not on your paper.")) from None
        response = validate_response(question, response)
        updated = Answer.objects.filter(attempt=attempt, question=question, seq__lt=seq).update(
            response=response, seq=seq, saved_at=now
        )
        if not updated:
            current = Answer.objects.filter(attempt=attempt, question=question).first()
            if current is not None:
                raise AnswerRefused(
                    "stale",
                    _("A newer answer to this question is already saved."),
                    current_seq=current.seq,
                )
            Answer.objects.create(attempt=attempt, question=question, response=response, seq=seq)
        answer = Answer.objects.get(attempt=attempt, question=question)
    return answer, attempt


def submit(
    attempt: Attempt,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    reason: str = "candidate",
    now: dt.datetime | None = None,
) -> Attempt:
    """Submit ``attempt`` exactly once, however many times it is asked; grading follows as a task.

    The finish time is never later than the deadline: a paper submitted by the time-out job, or
    by a candidate inside the grace period, finished when time ran out.
    """
    from exams import tasks  # tasks import this module

    now = now or timezone.now()
    with transaction.atomic():
        moved = attempt.status == AttemptStatus.ANSWERING and transition_to(
            attempt,
            AttemptStatus.SUBMITTED,
            actor=actor,
            request=request,
            reason=reason,
            submitted_at=min(now, attempt.deadline),
        )
        if moved:
            transaction.on_commit(partial(tasks.grade_attempt.delay, attempt.pk))
    if not moved:
        attempt.refresh_from_db()  # someone else submitted it: report what they stored
    return attempt


def submit_expired(now: dt.datetime | None = None) -> int:
    """Submit every attempt whose deadline and grace period have passed; returns how many."""
    now = now or timezone.now()
    grace = dt.timedelta(seconds=settings.EXAM_SAVE_GRACE_SECONDS)
    count = 0
    for attempt in Attempt.objects.expired(now - grace).iterator():
        submit(attempt, reason="time_over", now=now)
        count += attempt.status == AttemptStatus.SUBMITTED
    return count


def stuck_in_grading(now: dt.datetime | None = None) -> list[int]:
    """Attempts submitted more than five minutes ago that no grading task has finished."""
    now = now or timezone.now()
    return list(
        Attempt.objects.filter(
            status=AttemptStatus.SUBMITTED, submitted_at__lt=now - dt.timedelta(minutes=5)
        ).values_list("pk", flat=True)
    )


def grade(attempt_id: int) -> Attempt | None:
    """Score a submitted attempt's objective questions. Safe to run twice or on a vanished row."""
    attempt = Attempt.objects.select_related("registration").filter(pk=attempt_id).first()
    if attempt is None or attempt.status != AttemptStatus.SUBMITTED:
        return attempt
    questions = list(Question.objects.filter(exam_id=attempt.registration.exam_id))
    responses = dict(attempt.answers.values_list("question_id", "response"))
    score = sum(
        q.points
        for q in questions
        if responses.get(q.pk) is not None and responses[q.pk] == q.answer
    )
    transition_to(
        attempt,
        AttemptStatus.GRADED,
        reason="automatic",
        score=score,
        max_score=sum(q.points for q in questions),
        graded_at=timezone.now(),
    )
    return attempt
