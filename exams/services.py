"""Workflows of an exam attempt: sign-in to score.

Each runs in one transaction and changes ``Attempt.status`` only through ``transition_to``.
Answers are acknowledged only after they are committed to the database (never by the channel
layer or the broker, which may drop messages); live
events and grading are queued with ``transaction.on_commit`` so they never see uncommitted data.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import (
    DateTimeField,
    F,
    Max,
    Q,
    Sum,
)
from django.db.models.expressions import RawSQL
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import lifecycle
from audit.services import record
from core.errors import Refused
from core.http import client_ip
from exams import papers, signals, statuses, summaries
from exams.models import (
    SCREEN_VIEW,
    Answer,
    Attempt,
    AttemptEvent,
    CommitmentSignature,
    Exam,
    Registration,
)
from exams.statuses import AttemptStatus
from questionbank import answers as answer_rules
from questionbank.models import Question

logger = logging.getLogger(__name__)


class AnswerRefused(Refused):
    """A save the server will not take; ``code`` tells the client why."""

    def __init__(self, code: str, message: str, *, current_seq: int | None = None) -> None:
        super().__init__(message, code=code)
        self.current_seq = current_seq


class FlowRefused(Refused):
    """A step of the flow that cannot be taken now; ``message`` says why, for the candidate."""


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
    was_live = attempt.status in statuses.LIVE
    with transaction.atomic():
        moved = lifecycle.move(
            attempt,
            new_status,
            cycle=statuses.ATTEMPT,
            action="attempt",
            actor=actor,
            request=request,
            audit={"reason": reason},
            **fields,
        )
        if moved and was_live and new_status in statuses.FINISHED:
            signals.attempt_ended.send(sender=Attempt, attempt=attempt, status=new_status)
    if moved:
        summaries.attempt_changed_on_commit(attempt.pk)
    return moved


# --- Sign-in and the steps before answering (R-EXAM-4) ---------------------------------------


def current_attempt(registration: Registration) -> Attempt | None:
    return registration.attempts.order_by("-number").first()


def attempts_left(registration: Registration) -> int:
    used = registration.attempts.exclude(status=AttemptStatus.DECLINED).count()
    return max(0, registration.attempts_allowed - used)


def open_attempt(registration: Registration, *, actor: Any = None) -> Attempt:
    """The candidate's attempt in progress, or a new one when the last is finished and the exam
    allows another (R-EXAM-5). Raises ``FlowRefused`` when no attempt is left."""
    latest = current_attempt(registration)
    if latest is not None and latest.status not in statuses.FINISHED:
        return latest
    if (
        latest is not None
        and latest.status != AttemptStatus.DECLINED
        and not attempts_left(registration)
    ):
        raise FlowRefused(_("You have used every attempt of this exam."))
    number = (registration.attempts.aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                registration=registration, number=number, seed=secrets.randbelow(2**31)
            )
            record("attempt.signed_in", actor=actor or registration.candidate.user, target=attempt)
            summaries.attempt_changed_on_commit(attempt.pk)
    except IntegrityError:  # the same candidate signed in from two tabs at once
        attempt = registration.attempts.get(number=number)
    return attempt


def confirm_information(attempt: Attempt, *, request: HttpRequest | None = None) -> None:
    transition_to(
        attempt, AttemptStatus.INFO_CONFIRMED, request=request, info_confirmed_at=timezone.now()
    )


def answer_commitment(
    attempt: Attempt, *, accepted: bool, text: str, request: HttpRequest | None = None
) -> None:
    """Sign the commitment letter, keeping the text as signed; declining ends the attempt."""
    with transaction.atomic():  # one transaction: the room hears of the attempt once
        if not accepted:
            transition_to(attempt, AttemptStatus.DECLINED, request=request, reason="declined")
            return
        if transition_to(attempt, AttemptStatus.COMMITMENT_SIGNED, request=request):
            CommitmentSignature.objects.create(
                attempt=attempt, text=text, ip=(client_ip(request) or None) if request else None
            )
        advance(attempt)


def identity_verified(
    attempt: Attempt, *, method: str, actor: Any = None, request: HttpRequest | None = None
) -> None:
    """Record that the candidate's identity was checked (``face`` or ``manual`` review)."""
    transition_to(
        attempt,
        AttemptStatus.IDENTITY_VERIFIED,
        actor=actor,
        request=request,
        reason=method,
        identity_method=method,
    )
    advance(attempt)


def second_view_connected(attempt: Attempt) -> None:
    """Called when the phone's stream arrives (live proctoring)."""
    transition_to(attempt, AttemptStatus.SECOND_VIEW_CONNECTED, reason="second_view")
    advance(attempt)


def room_scanned(attempt: Attempt) -> None:
    """Called when the phone's room scan is stored (``proctoring.room_scans``)."""
    transition_to(attempt, AttemptStatus.ROOM_SCANNED, reason="room_scan")
    advance(attempt)


def required_steps(exam: Exam) -> list[str]:
    steps: list[str] = [AttemptStatus.INFO_CONFIRMED, AttemptStatus.COMMITMENT_SIGNED]
    if exam.requires_identity:
        steps.append(AttemptStatus.IDENTITY_VERIFIED)
    if exam.requires_second_view:
        steps.append(AttemptStatus.SECOND_VIEW_CONNECTED)
        # The room scan is the phone's: without the phone it is never a step.
        if exam.requires_room_scan:
            steps.append(AttemptStatus.ROOM_SCANNED)
    steps += [AttemptStatus.WAITING, AttemptStatus.ANSWERING]
    return steps


def next_step(attempt: Attempt) -> str | None:
    """The status the candidate works towards now, or None once answering or finished."""
    if attempt.status not in statuses.STEPS or attempt.status == AttemptStatus.ANSWERING:
        return None
    position = statuses.STEPS.index(attempt.status)
    for step in required_steps(attempt.registration.exam):
        if statuses.STEPS.index(step) > position:
            return step
    return None


def advance(attempt: Attempt, now: dt.datetime | None = None) -> None:
    """Take the steps that need nothing from the candidate: into the waiting room once the
    required checks are done, and from there into answering when the exam opens."""
    now = now or timezone.now()
    if next_step(attempt) == AttemptStatus.WAITING:
        transition_to(attempt, AttemptStatus.WAITING)
    if attempt.status == AttemptStatus.WAITING and now >= attempt.registration.exam.opens_at:
        start_answering(attempt, now)


def start_answering(attempt: Attempt, now: dt.datetime | None = None) -> None:
    """Draw the candidate's paper and start their clock (never before the exam opens)."""
    now = now or timezone.now()
    exam = attempt.registration.exam
    if now < exam.opens_at:
        raise FlowRefused(_("The exam has not started yet."))
    transition_to(
        attempt,
        AttemptStatus.ANSWERING,
        paper=papers.draw(exam, attempt.seed),
        started_at=now,
        # The accommodation's extra time counts; the exam window still bounds it (the
        # accommodation was refused if it could not fit).
        deadline=min(now + attempt.registration.answering_time(), exam.closes_at),
    )


# --- Answering (R-EXAM-9) ---------------------------------------------------------------------


class AttemptNotFound(Exception):
    pass


@lru_cache(maxsize=4096)
def _question(question_id: int) -> Question:
    """Questions on a drawn paper do not change (banks only add and retire), so each web
    process keeps the ones it has seen instead of reading them on every save."""
    return Question.objects.get(pk=question_id)


def save_grace() -> dt.timedelta:
    return dt.timedelta(seconds=settings.EXAM_SAVE_GRACE_SECONDS)


def takes_late_answers(attempt: Attempt) -> bool:
    """Whether ``attempt`` may still store answers, grace period aside.

    The rule for answers across the deadline: the server cannot know when an answer was typed
    (the page's clock is not trusted), so the grace period after the deadline is the window for
    answers typed in time and still on their way (a page offline across the deadline sends them
    when it is back). Until deadline + grace an answer is stored while the attempt is answering,
    and also when the attempt was submitted once time had run out (by the time-out, or by a
    submission inside the grace, which both record the deadline as the finish time) and is not
    graded yet: grading of such a submission waits for the grace to end. A paper submitted
    before its deadline, or ended by a proctor, takes no more answers; after the grace nothing
    changes (``time_over``).
    """
    if attempt.status == AttemptStatus.ANSWERING:
        return True
    return (
        attempt.status == AttemptStatus.SUBMITTED
        and attempt.deadline is not None
        and attempt.submitted_at is not None
        and attempt.submitted_at >= attempt.deadline
    )


_VIEWS = (1, 2, SCREEN_VIEW)


def _lost_since_column(view: int) -> str:
    return f"view{view}_lost_since"


def _with_lost_views(attempts: Any) -> Any:
    """``attempts`` with, for each view, since when it has been lost (None: connected or never
    reported), so that the save's locked read also answers ``views_down``: one query fewer on
    the hot path. A correlated subquery per view on the (attempt, view) unique index, written
    as SQL because the ORM's subqueries cost more CPU to build than the query they save; the
    table is reached through the reverse relation because exams does not import proctoring."""
    return attempts.annotate(**_lost_views_columns())


@lru_cache(maxsize=1)
def _lost_views_columns() -> dict[str, RawSQL]:
    related = Attempt._meta.get_field("view_states").related_model
    assert not isinstance(related, str)  # a resolved model once the apps are loaded
    states = related._meta.db_table
    attempt = Attempt._meta.db_table
    return {
        _lost_since_column(view): RawSQL(  # noqa: S611 (table names are ours, the view a parameter)
            f'SELECT "changed_at" FROM "{states}" WHERE "attempt_id" = "{attempt}"."id" '  # noqa: S608
            'AND "view" = %s AND NOT "connected"',
            (view,),
            output_field=DateTimeField(),
        )
        for view in _VIEWS
    }


def views_down(attempt: Attempt, now: dt.datetime | None = None) -> list[int]:
    """The views answering depends on (``Exam.required_views``, R-PROC-1) that have been lost
    for longer than the exam's ``view_loss_grace_seconds``: while any is, answering is paused
    (saves are refused as ``paused``; the page keeps them and sends them once the view is back).

    Views are the proctoring app's ``ViewState`` rows, read here through the reverse relation
    (exams does not import proctoring). A view never reported is not down: the page reports a
    camera it cannot open, and the flow before answering waits for the phone."""
    exam = attempt.registration.exam
    if not exam.required_views:
        return []
    since = (now or timezone.now()) - dt.timedelta(seconds=exam.view_loss_grace_seconds)
    if hasattr(attempt, _lost_since_column(exam.required_views[0])):
        # Read with the attempt (``_with_lost_views``): no query of its own.
        return sorted(
            view
            for view in exam.required_views
            if (lost_since := getattr(attempt, _lost_since_column(view))) is not None
            and lost_since <= since
        )
    lost = attempt.view_states.filter(
        view__in=exam.required_views, connected=False, changed_at__lte=since
    )
    return sorted(lost.values_list("view", flat=True))


def save_answer(
    attempt_id: int,
    question_id: int,
    response: Any,
    seq: int,
    *,
    owner: Any = None,
    gate: Callable[[Attempt], bool] | None = None,
    now: dt.datetime | None = None,
) -> tuple[int, Attempt]:
    """Store one answer if ``seq`` is newer than the stored one; returns the stored ``seq``.

    The attempt row is locked for the save, so a submit or a time-out never interleaves with
    it. With ``owner``, only that candidate's attempt is found (``AttemptNotFound`` otherwise);
    ``gate`` may refuse the request for the attempt's exam (Safe Exam Browser: False) or for
    the browser session (``exams.attempt_sessions``: it raises ``AnswerRefused`` itself).
    Saves across the deadline follow ``takes_late_answers``.
    """
    grace = save_grace()
    with transaction.atomic():
        # Only the columns the save needs: this runs for every answer of every candidate.
        attempts = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("registration__exam")
            .only(
                "status",
                "deadline",
                "submitted_at",
                "paper",
                "created_at",
                "session_token",
                "session_seen_at",
                "registration__candidate",
                "registration__exam__requires_identity",
                "registration__exam__requires_seb",
                "registration__exam__requires_camera",
                "registration__exam__requires_second_view",
                "registration__exam__requires_screen_share",
                "registration__exam__view_loss_grace_seconds",
                "registration__exam__seb_config_keys",
                "registration__exam__seb_browser_exam_keys",
            )
        )
        if owner is not None:
            attempts = attempts.of_candidate(owner)
        try:
            attempt = _with_lost_views(attempts).get(pk=attempt_id)
        except Attempt.DoesNotExist:
            raise AttemptNotFound from None
        if gate is not None and not gate(attempt):
            raise AnswerRefused("seb_required", _("This exam must be taken in Safe Exam Browser."))
        now = now or timezone.now()
        if not takes_late_answers(attempt):
            raise AnswerRefused("finished", _("This attempt is not open for answers."))
        assert attempt.deadline is not None
        if now > attempt.deadline + grace:
            raise AnswerRefused("time_over", _("Time is up; answers can no longer change."))
        if attempt.status == AttemptStatus.ANSWERING and views_down(attempt, now):
            raise AnswerRefused(
                "paused",
                _(
                    "Your camera or screen share is off. Turn it back on to continue "
                    "answering; the clock is still running."
                ),
            )
        if question_id not in attempt.question_ids():
            raise AnswerRefused("not_on_paper", _("This question is not on your paper."))
        question = _question(question_id)
        try:
            response = answer_rules.clean_response(question, response)
        except answer_rules.InvalidResponse as invalid:
            raise AnswerRefused("invalid_response", invalid.message) from None
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
        # The proctor's tile shows the answering progress live (coalesced, after commit).
        summaries.answers_changed_on_commit(attempt.pk)
    return seq, attempt


def earliest_submission(attempt: Attempt) -> dt.datetime | None:
    minutes = attempt.registration.exam.min_answer_minutes
    if not minutes or attempt.started_at is None:
        return None
    return attempt.started_at + dt.timedelta(minutes=minutes)


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
    by a candidate inside the grace period, finished when time ran out. A candidate's own
    submission before the exam's minimum answering time is refused (R-EXAM-2).
    """
    now = now or timezone.now()
    earliest = earliest_submission(attempt)
    if (
        reason == "candidate"
        and earliest is not None
        and now < earliest
        and attempt.status == AttemptStatus.ANSWERING
    ):
        raise FlowRefused(
            _("You can submit this paper from %(time)s.")
            % {"time": timezone.localtime(earliest).strftime("%H:%M")}
        )
    with transaction.atomic():
        moved = attempt.status == AttemptStatus.ANSWERING and transition_to(
            attempt,
            AttemptStatus.SUBMITTED,
            actor=actor,
            request=request,
            reason=reason,
            submitted_at=min(now, attempt.deadline or now),
        )
        if moved:
            transaction.on_commit(partial(_queue_grading, attempt.pk, _grading_from(attempt)))
    if not moved:
        attempt.refresh_from_db()  # someone else submitted it: report what they stored
    return attempt


def _grading_from(attempt: Attempt) -> dt.datetime | None:
    """When grading may start: at the end of the grace for a paper submitted once time had run
    out (answers typed in time may still arrive, see ``takes_late_answers``), else at once."""
    if takes_late_answers(attempt) and attempt.status == AttemptStatus.SUBMITTED:
        assert attempt.deadline is not None
        return attempt.deadline + save_grace()
    return None


def _queue_grading(attempt_id: int, not_before: dt.datetime | None) -> None:
    """Queue the grading of a committed submission. With the broker (Redis) away the task is
    not sent and the submission still answers as done: ``stuck_in_grading`` finds the paper
    and the re-grade job queues it again once the broker is back."""
    from exams import tasks

    try:
        if not_before is not None and not_before > timezone.now():
            tasks.grade_attempt.apply_async((attempt_id,), eta=not_before)
        else:
            tasks.grade_attempt.delay(attempt_id)
    except Exception:
        logger.warning(
            "grading of attempt %s not queued; the re-grade job will queue it",
            attempt_id,
            exc_info=True,
        )


def submit_expired(now: dt.datetime | None = None) -> int:
    """Submit every attempt whose deadline and grace period have passed; returns how many.

    Never earlier: until deadline + grace the page may still be sending answers typed in time."""
    now = now or timezone.now()
    grace = save_grace()
    count = 0
    for attempt in (
        Attempt.objects.expired(now - grace).select_related("registration__exam").iterator()
    ):
        submit(attempt, reason="time_over", now=now)
        count += attempt.status == AttemptStatus.SUBMITTED
    return count


def record_event(
    attempt: Attempt,
    kind: str,
    *,
    client_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> tuple[str, Attempt]:
    """Record what the exam page reported and apply the exam's policy (R-EXAM-6).

    Returns the action taken: ``logged``, ``warned``, ``pending`` (a leave under the consume
    policy, which ends the attempt only if it lasts past the exam's ``leave_grace_seconds``:
    ``consume_if_still_away`` checks then, and a ``returned`` event after a longer absence
    consumes at once) or ``consumed`` (the attempt ended and counts as used, as the S3 manual
    rules for leaving the answering screen). A ``returned`` event after the attempt was ended
    for a leave answers ``consumed`` too, so the page learns it on coming back. Every event
    goes to the room's console (the tile's leave count) and to ``signals.page_event_recorded``.
    """
    exam = attempt.registration.exam
    now = now or timezone.now()
    answering = attempt.status == AttemptStatus.ANSWERING
    consume = exam.leave_policy == Exam.LeavePolicy.CONSUME
    action = "logged"
    # A screen reader (an accommodation) takes the focus from the page by design: its leaves
    # are recorded only, whatever the policy.
    if kind in AttemptEvent.LEAVING and answering and not _leaves_exempt(attempt):
        if exam.leave_policy == Exam.LeavePolicy.WARN:
            action = "warned"
        elif consume:
            action = "pending" if exam.leave_grace_seconds else "consumed"
    with transaction.atomic():
        away = None
        if kind == AttemptEvent.Kind.RETURNED and consume:
            away = _pending_leave(attempt)
            if not answering and attempt.events.filter(action="consumed").exists():
                action = "consumed"
        event = AttemptEvent.objects.create(
            attempt=attempt, kind=kind, at=now, client_at=client_at, action=action
        )
        if action == "warned":
            Attempt.objects.filter(pk=attempt.pk).update(warnings=attempt.warnings + 1)
            attempt.warnings += 1
        if action == "pending":
            transaction.on_commit(partial(_queue_leave_check, event.pk, now + _leave_grace(exam)))
        if away is not None and answering:
            if _time_away(away, event) > _leave_grace(exam):
                action = "consumed"
            # Every leave of this absence is settled by the return (a page may report two).
            attempt.events.filter(action="pending").update(
                action="consumed" if action == "consumed" else "returned_in_time"
            )
        if action == "consumed" and answering:
            attempt = submit(attempt, reason="left_page", now=now)
        summaries.attempt_changed_on_commit(attempt.pk)
        signals.page_event_recorded.send(
            sender=AttemptEvent, attempt=attempt, kind=kind, action=action, at=now
        )
    return action, attempt


def _leaves_exempt(attempt: Attempt) -> bool:
    accommodation = getattr(attempt.registration, "accommodation", None)
    return accommodation is not None and accommodation.screen_reader


def _leave_grace(exam: Exam) -> dt.timedelta:
    return dt.timedelta(seconds=exam.leave_grace_seconds)


def _pending_leave(attempt: Attempt) -> AttemptEvent | None:
    """The leave a ``returned`` event ends: the attempt's leave still waiting on its grace."""
    return attempt.events.filter(action="pending").order_by("at", "pk").first()


def _time_away(left: AttemptEvent, back: AttemptEvent) -> dt.timedelta:
    """How long a leave lasted: by the server's clock, or by the page's when it says longer
    (events queued offline arrive together, but the page stamped each when it happened; a page
    can only make its own absence longer this way, never hide one)."""
    away = back.at - left.at
    if left.client_at is not None and back.client_at is not None:
        away = max(away, back.client_at - left.client_at)
    return away


def _queue_leave_check(event_id: int, at: dt.datetime) -> None:
    """Queue the consume policy's check of a committed leave. With the broker (Redis) away the
    check is lost (logged) and the event still answers: the candidate's return settles the
    leave as usual, and the time-out job settles it once overdue (``overdue_leave_checks``)."""
    from exams import tasks

    try:
        tasks.consume_if_still_away.apply_async((event_id,), eta=at)
    except Exception:
        logger.warning("leave check of event %s not queued", event_id, exc_info=True)


def consume_if_still_away(event_id: int, now: dt.datetime | None = None) -> bool:
    """End the attempt of a leave under the consume policy that has lasted past its grace with
    no ``returned`` event. True when it ended the attempt; safe to run twice or late (a leave
    already resolved, a finished attempt or a vanished row change nothing)."""
    now = now or timezone.now()
    with transaction.atomic():
        event = (
            AttemptEvent.objects.select_for_update()
            .select_related("attempt__registration__exam")
            .filter(pk=event_id, action="pending")
            .first()
        )
        if event is None:
            return False
        attempt = event.attempt
        exam = attempt.registration.exam
        if attempt.status != AttemptStatus.ANSWERING:
            return False
        if now - event.at < _leave_grace(exam):
            transaction.on_commit(  # woke early: look again when the grace is over
                partial(_queue_leave_check, event.pk, event.at + _leave_grace(exam))
            )
            return False
        event.action = "consumed"
        event.save(update_fields=["action"])
        attempt = submit(attempt, reason="left_page", now=now)
        summaries.attempt_changed_on_commit(attempt.pk)
        signals.page_event_recorded.send(
            sender=AttemptEvent, attempt=attempt, kind=event.kind, action="consumed", at=now
        )
    return True


def overdue_leave_checks(now: dt.datetime | None = None) -> list[int]:
    """Pending leaves (consume policy) whose check is overdue by ``EXAM_REGRADE_AFTER_SECONDS``:
    the task of ``_queue_leave_check`` was lost (never sent with the broker away, or held by a
    worker that was killed). ``consume_if_still_away`` settles each; running it for a leave its
    own task settles too changes nothing."""
    now = now or timezone.now()
    overdue = now - dt.timedelta(seconds=settings.EXAM_REGRADE_AFTER_SECONDS)
    # The grace is added in Python: pending leaves are few, and seconds times an interval is not
    # SQL that SQLite (the embedded platform) runs. A leave is never due before it happened.
    pending = AttemptEvent.objects.filter(
        action="pending", attempt__status=AttemptStatus.ANSWERING, at__lt=overdue
    ).values_list("pk", "at", "attempt__registration__exam__leave_grace_seconds")
    return [pk for pk, at, grace in pending if at + dt.timedelta(seconds=grace or 0) < overdue]


def settle_overdue_leaves(now: dt.datetime | None = None) -> int:
    """End the attempts of overdue pending leaves (``overdue_leave_checks``); how many ended."""
    return sum(consume_if_still_away(event_id, now=now) for event_id in overdue_leave_checks(now))


def stuck_in_grading(now: dt.datetime | None = None) -> list[int]:
    """Submitted attempts whose grading was due more than ``EXAM_REGRADE_AFTER_SECONDS`` ago
    and that no grading task has finished: its task was lost (a worker killed while grading,
    a broker that was away when the paper came in).

    Grading is due at submission, or at the end of the grace for a paper submitted once time
    had run out (``_grading_from``): such a paper is never graded before late answers typed in
    time have arrived. A paper picked while its first task still waits in a long queue is
    graded once: ``grade`` does nothing to a paper no longer submitted."""
    now = now or timezone.now()
    overdue = now - dt.timedelta(seconds=settings.EXAM_REGRADE_AFTER_SECONDS)
    return list(
        Attempt.objects.filter(status=AttemptStatus.SUBMITTED, submitted_at__lt=overdue)
        .filter(
            Q(deadline__isnull=True)
            | Q(submitted_at__lt=F("deadline"))
            | Q(submitted_at__lt=overdue - save_grace())
        )
        .values_list("pk", flat=True)
    )


# --- Grading and marking (R-EXAM-8) -----------------------------------------------------------


def grade(attempt_id: int) -> Attempt | None:
    """Score a submitted attempt's objective questions; papers with short answers go on to the
    markers. Safe to run twice or on a vanished row. The attempt row is locked first, so an
    answer saved in the grace period is either in the score or refused, never lost in between."""
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update(of=("self",)).filter(pk=attempt_id).first()
        if attempt is None or attempt.status != AttemptStatus.SUBMITTED:
            return attempt
        questions = Question.objects.in_bulk(attempt.question_ids())
        stored = {a.question_id: a for a in attempt.answers.all()}
        needs_marking = False
        for item in attempt.paper:
            question = questions[int(item["question"])]
            answer = stored.get(question.pk)
            if not question.is_objective:
                needs_marking = needs_marking or (
                    answer is not None and answer.response is not None
                )
                if answer is not None and answer.response is None:
                    Answer.objects.filter(pk=answer.pk).update(awarded=0)
                continue
            if answer is None:
                continue
            raw = answer_rules.score(question, answer.response) or 0
            awarded = raw * int(item["points"]) // max(1, question.points)
            Answer.objects.filter(pk=answer.pk).update(awarded=awarded)
        if needs_marking:
            transition_to(attempt, AttemptStatus.MARKING, reason="subjective")
            return attempt
        _finish_grading(attempt, reason="automatic")
    return attempt


def mark(
    attempt: Attempt, marks: dict[int, int], *, marker: Any, request: HttpRequest | None = None
) -> Attempt:
    """A marker's points for the short answers of a paper being marked; completes grading."""
    points = {int(item["question"]): int(item["points"]) for item in attempt.paper}
    subjective = set(
        Question.objects.filter(pk__in=points, kind=Question.Kind.SHORT_ANSWER).values_list(
            "pk", flat=True
        )
    )
    answered = set(
        attempt.answers.filter(question_id__in=subjective, response__isnull=False).values_list(
            "question_id", flat=True
        )
    )
    if set(marks) != answered:
        raise FlowRefused(
            _("Give points for every written answer of this paper, and for nothing else.")
        )
    for question_id, value in marks.items():
        if not 0 <= value <= points[question_id]:
            raise FlowRefused(_("Points must be between 0 and the question's points."))
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.status != AttemptStatus.MARKING:
            raise FlowRefused(_("This paper is not waiting to be marked."))
        for question_id, value in marks.items():
            Answer.objects.filter(attempt=attempt, question_id=question_id).update(
                awarded=value, marked_by=marker
            )
        record(
            "attempt.marked",
            actor=marker,
            target=attempt,
            request=request,
            marks={str(k): v for k, v in marks.items()},
        )
        _finish_grading(attempt, reason="marked", actor=marker)
    return attempt


def _finish_grading(attempt: Attempt, *, reason: str, actor: Any = None) -> None:
    awarded = attempt.answers.aggregate(total=Sum("awarded"))["total"] or 0
    moved = transition_to(
        attempt,
        AttemptStatus.GRADED,
        actor=actor,
        reason=reason,
        score=awarded,
        max_score=sum(int(item["points"]) for item in attempt.paper),
        graded_at=timezone.now(),
    )
    if moved:
        signals.attempt_graded.send(
            sender=Attempt, attempt=attempt, registration=attempt.registration
        )


def best_attempt(registration: Registration) -> Attempt | None:
    """The best graded attempt (S3: best score counts)."""
    return (
        registration.attempts.filter(status=AttemptStatus.GRADED)
        .order_by("-score", "number")
        .first()
    )


def counted_attempt(registration: Registration) -> Attempt | None:
    """The graded attempt whose score counts, as the exam defines: the best or the last."""
    if registration.exam.counted_attempt == Exam.CountedAttempt.LAST:
        return registration.attempts.filter(status=AttemptStatus.GRADED).order_by("-number").first()
    return best_attempt(registration)


def score_visible(attempt: Attempt, now: dt.datetime | None = None) -> bool:
    exam = attempt.registration.exam
    if attempt.status != AttemptStatus.GRADED or exam.score_policy == Exam.ScorePolicy.HIDDEN:
        return False
    if exam.score_policy == Exam.ScorePolicy.AFTER_CLOSE:
        return (now or timezone.now()) >= exam.closes_at
    return True
