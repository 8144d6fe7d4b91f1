"""What the proctor console is told about attempts: the summary of one attempt (a tile), the
room's attempts for a console's snapshot, and the ``attempt.changed`` event.

Events are notifications only: they may be dropped, so a console that connects or reconnects
first reads ``room_snapshot`` and then applies events on top. A status change is published right
after its transaction commits (once per transaction); a saved answer is published coalesced, at
most once a second per attempt and web process and always once after the last save, from a
thread of its own (``core.live.Coalescer``), so a save never waits for it.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from core import live
from exams.models import Attempt, AttemptEvent
from exams.statuses import LIVE

PROGRESS_INTERVAL_SECONDS = 1.0


class AccommodationSummary(TypedDict):
    extra_minutes: int
    screen_reader: bool
    may_leave_seat: bool


class AttemptSummary(TypedDict):
    id: int
    candidate: str
    masked_id_number: str
    status: str
    answered: int
    total: int
    score: int | None
    max_score: int | None
    # Times the candidate left the exam page (hidden, blur, fullscreen exit), and the last
    # such event's kind (empty when none): the tile's badge.
    leaves: int
    last_leave: str
    # The candidate's accommodation (extra time, relaxed rules), or None: the tile's note.
    accommodation: AccommodationSummary | None


class AttemptChanged(TypedDict):
    type: Literal["attempt.changed"]
    attempt: AttemptSummary


def with_progress(queryset: QuerySet[Attempt]) -> QuerySet[Attempt]:
    return queryset.select_related(
        "registration__candidate", "registration__exam", "registration__accommodation"
    ).annotate(
        answered_count=Count("answers", filter=Q(answers__response__isnull=False), distinct=True),
        leave_count=Count("events", filter=Q(events__kind__in=AttemptEvent.LEAVING), distinct=True),
        last_leave=Subquery(
            AttemptEvent.objects.filter(attempt=OuterRef("pk"), kind__in=AttemptEvent.LEAVING)
            .order_by("-at", "-pk")
            .values("kind")[:1]
        ),
    )


def summarise(attempt: Attempt) -> AttemptSummary:
    """The tile of ``attempt``, which must come from ``with_progress``."""
    candidate = attempt.registration.candidate
    return {
        "id": attempt.pk,
        "candidate": candidate.name,
        "masked_id_number": candidate.masked_id_number,
        "status": attempt.status,
        "answered": attempt.answered_count,  # type: ignore[attr-defined]
        "total": len(attempt.paper),
        "score": attempt.score,
        "max_score": attempt.max_score,
        "leaves": attempt.leave_count,  # type: ignore[attr-defined]
        "last_leave": attempt.last_leave or "",  # type: ignore[attr-defined]
        "accommodation": _accommodation(attempt),
    }


def _accommodation(attempt: Attempt) -> AccommodationSummary | None:
    accommodation = getattr(attempt.registration, "accommodation", None)
    if accommodation is None:
        return None
    return {
        "extra_minutes": accommodation.extra_minutes,
        "screen_reader": accommodation.screen_reader,
        "may_leave_seat": accommodation.may_leave_seat,
    }


def room_snapshot(room_id: int) -> list[AttemptSummary]:
    """The tiles of the room's current exams (``AttemptQuerySet.current_in_room``)."""
    attempts = with_progress(Attempt.objects.current_in_room(room_id))
    return [summarise(a) for a in attempts.order_by("registration__candidate__name", "number")]


def publish(attempt_id: int) -> None:
    """Send the attempt's current state to its room; never raises for the channel layer."""
    attempt = with_progress(Attempt.objects.filter(pk=attempt_id)).first()
    if attempt is None:
        return
    if attempt.status not in LIVE and not attempt.registration.exam.is_current():
        return  # a paper of a past exam (marked late, say) is not on the room's console
    message: AttemptChanged = {"type": "attempt.changed", "attempt": summarise(attempt)}
    live.send(live.room_group(attempt.registration.room_id), dict(message))


progress = live.Coalescer(PROGRESS_INTERVAL_SECONDS, "attempt-progress")


def _publish_now(attempt_id: int) -> None:
    progress.forget(attempt_id)  # this publish reads everything a pending one would
    publish(attempt_id)


def attempt_changed_on_commit(attempt_id: int) -> None:
    """Tell the attempt's room once the current transaction commits, with the state it then
    has; a transaction that moves an attempt several times publishes once. A failure to
    publish is logged and never undoes or fails the change itself."""
    live.on_commit(lambda: _publish_now(attempt_id), key=("attempt.changed", attempt_id))


def answers_changed_on_commit(attempt_id: int) -> None:
    """A save changed the attempt's answers: once committed, its room hears of it coalesced
    (``progress``). Never raises into the save and never delays its acknowledgement."""
    live.on_commit(lambda: progress.request(attempt_id, lambda: publish(attempt_id)))
