"""Audited repairs of attempts by support staff (R-EMG-4, R-EMG-5).

"The candidate cannot submit, or the score shows 0": staff look at the saved answers and the
event log and then repair the attempt here. Every repair needs a reason, goes through the exam
workflows (``services.submit``, ``services.grade``, ``services.transition_to``) where a status
changes, and writes an audit row ``attempt.repair.*`` (or ``registration.makeup_granted``) with
the reason and what was there before, inside the transaction of the change.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.http import HttpRequest
from django.utils.translation import gettext as _

from audit.services import record
from core.errors import Refused
from exams import services
from exams.models import Answer, Attempt, Registration
from exams.statuses import AttemptStatus
from questionbank import answers as answer_rules
from questionbank.models import Question

REASON_MAX_CHARS = 500


class RepairRefused(Refused):
    """A repair that cannot be done; ``message`` says why, for the member of staff."""


def clean_reason(reason: Any) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise RepairRefused(_("Give the reason for this repair."))
    if len(text) > REASON_MAX_CHARS:
        raise RepairRefused(
            _("The reason can have at most %(n)s characters.") % {"n": REASON_MAX_CHARS}
        )
    return text


def requeue_grading(
    attempt: Attempt, *, actor: Any, reason: str, request: HttpRequest | None = None
) -> None:
    """Grade again: a submitted paper whose grading never finished is queued for the worker;
    a graded one has its objective answers scored again at once (after an answer was
    corrected, or a question's key was fixed)."""
    from exams import tasks

    reason = clean_reason(reason)
    if attempt.status == AttemptStatus.SUBMITTED:
        with transaction.atomic():
            record(
                "attempt.repair.grading_requeued",
                actor=actor,
                target=attempt,
                request=request,
                reason=reason,
            )
            transaction.on_commit(partial(tasks.grade_attempt.delay, attempt.pk))
        return
    if attempt.status == AttemptStatus.GRADED:
        with transaction.atomic():
            locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
            old_score = locked.score
            for answer in locked.answers.select_related("question"):
                if answer.question.is_objective:
                    _award(locked, answer)
            new_score = _store_total(locked)
            record(
                "attempt.repair.regraded",
                actor=actor,
                target=attempt,
                request=request,
                reason=reason,
                old_score=old_score,
                new_score=new_score,
            )
        attempt.refresh_from_db()
        return
    raise RepairRefused(_("Only a submitted or graded paper can be graded again."))


def submit_for_candidate(
    attempt: Attempt, *, actor: Any, reason: str, request: HttpRequest | None = None
) -> Attempt:
    """Submit a paper the candidate could not submit, with the answers saved so far."""
    reason = clean_reason(reason)
    if attempt.status != AttemptStatus.ANSWERING:
        raise RepairRefused(_("Only a paper being answered can be submitted."))
    with transaction.atomic():
        attempt = services.submit(attempt, actor=actor, request=request, reason="support")
        if attempt.status != AttemptStatus.SUBMITTED:  # pragma: no cover - a race, reported
            raise RepairRefused(_("The paper was submitted or ended meanwhile."))
        record(
            "attempt.repair.submitted", actor=actor, target=attempt, request=request, reason=reason
        )
    return attempt


# Answers of a paper still being answered belong to the candidate's page, whose newer saves
# would overwrite a correction; they are corrected once the paper is in.
_CORRECTABLE = frozenset({AttemptStatus.SUBMITTED, AttemptStatus.MARKING, AttemptStatus.GRADED})


def correct_answer(
    attempt: Attempt,
    question_id: int,
    raw_response: Any,
    *,
    actor: Any,
    reason: str,
    request: HttpRequest | None = None,
) -> Answer:
    """Replace the stored answer to one question (for instance with the one the candidate's
    screenshot shows was never saved). The old response is kept in the audit row; objective
    points, and a graded paper's score, follow at once."""
    reason = clean_reason(reason)
    if question_id not in attempt.question_ids():
        raise RepairRefused(_("This question is not on the candidate's paper."))
    question = Question.objects.get(pk=question_id)
    try:
        response = answer_rules.clean_response(question, raw_response)
    except answer_rules.InvalidResponse as invalid:
        raise RepairRefused(invalid.message) from None
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.status not in _CORRECTABLE:
            raise RepairRefused(_("Answers can be corrected once the paper has been submitted."))
        answer = (
            Answer.objects.select_for_update().filter(attempt=locked, question=question).first()
        )
        old_response = answer.response if answer is not None else None
        if answer is None:
            answer = Answer.objects.create(
                attempt=locked, question=question, response=response, seq=1
            )
        else:
            Answer.objects.filter(pk=answer.pk).update(response=response, seq=F("seq") + 1)
            answer.refresh_from_db()
        old_score = locked.score
        new_score = old_score
        if locked.status in (AttemptStatus.MARKING, AttemptStatus.GRADED) and question.is_objective:
            _award(locked, answer)
        if locked.status == AttemptStatus.GRADED:
            new_score = _store_total(locked)
        record(
            "attempt.repair.answer_corrected",
            actor=actor,
            target=locked,
            request=request,
            reason=reason,
            question=question_id,
            old_response=old_response,
            new_response=response,
            old_score=old_score,
            new_score=new_score,
        )
    attempt.refresh_from_db()
    answer.refresh_from_db()
    return answer


def grant_makeup_attempt(
    registration: Registration,
    *,
    actor: Any,
    reason: str,
    request: HttpRequest | None = None,
    **details: Any,
) -> Registration:
    """One more attempt for ``registration`` on top of the exam's allowance (R-EMG-5).

    Counted with ``F()`` so two grants at once give two attempts, never one."""
    reason = clean_reason(reason)
    with transaction.atomic():
        Registration.objects.filter(pk=registration.pk).update(
            extra_attempts=F("extra_attempts") + 1
        )
        registration.refresh_from_db(fields=["extra_attempts"])
        record(
            "registration.makeup_granted",
            actor=actor,
            target=registration,
            request=request,
            reason=reason,
            extra_attempts=registration.extra_attempts,
            **details,
        )
    return registration


def _award(attempt: Attempt, answer: Answer) -> None:
    """Score one objective answer the way grading does (``services.grade``)."""
    points = {int(item["question"]): int(item["points"]) for item in attempt.paper}
    question = answer.question
    raw = answer_rules.score(question, answer.response) or 0
    awarded = raw * points[question.pk] // max(1, question.points)
    Answer.objects.filter(pk=answer.pk).update(awarded=awarded)


def _store_total(attempt: Attempt) -> int:
    total = attempt.answers.aggregate(total=Sum("awarded"))["total"] or 0
    Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.GRADED).update(score=total)
    return int(total)
