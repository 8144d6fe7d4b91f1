"""The state of candidates' live views (1 computer, 2 phone) as the media process and the
candidate's pages report them: ``ViewState`` rows, ``view.changed`` to the room and to the
candidate's pages, and the view-lost alerts opened or closed with the camera and the phone."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from exams.models import Attempt
from exams.statuses import AttemptStatus
from proctoring import alerts
from proctoring.events import (
    ViewChanged,
    ViewStateSummary,
    attempt_group,
    room_group,
    send_on_commit,
)
from proctoring.models import ViewState


def room_view_states(room_id: int) -> list[ViewStateSummary]:
    rows = ViewState.objects.filter(attempt__in=Attempt.objects.current_in_room(room_id))
    return [
        {"attempt": attempt, "view": view, "connected": connected}
        for attempt, view, connected in rows.values_list("attempt_id", "view", "connected")
    ]


def record_view_state(
    attempt_id: int,
    view: int,
    connected: bool,
    *,
    media_process: str = "",
    detail: dict[str, str] | None = None,
) -> None:
    """A candidate's view ``view`` (1 computer, 2 phone) connected or was lost.

    Called by the media process (``proctoring.media.consumers``) and by the candidate's own page
    for view 1 (``candidate_consumer``: it reports "lost" when the media process died). Upserts
    the attempt's ``ViewState``; only a real change is published (``view.changed`` to the room
    and to the candidate's pages) and, while the candidate is answering, opens or closes the
    view's alert (CAMERA_LOST for view 1 and its microphone, SECOND_VIEW_LOST for the phone);
    ``detail`` says what of the view was lost (``{"part": "microphone"}``). Answering itself
    pauses while a required view stays lost (``exams.services.views_down``).
    """
    now = timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_related("registration").filter(pk=attempt_id).first()
        if attempt is None:
            return
        if connected and media_process:
            ViewState.objects.filter(attempt_id=attempt_id, view=view).update(
                media_process=media_process
            )
        changed = bool(
            ViewState.objects.filter(attempt_id=attempt_id, view=view)
            .exclude(connected=connected)
            .update(connected=connected, changed_at=now)
        )
        if not changed and not ViewState.objects.filter(attempt_id=attempt_id, view=view).exists():
            try:
                with transaction.atomic():
                    ViewState.objects.create(
                        attempt_id=attempt_id,
                        view=view,
                        connected=connected,
                        changed_at=now,
                        media_process=media_process if connected else "",
                    )
                changed = True
            except IntegrityError:  # a report of the same view a moment ago created it
                changed = bool(
                    ViewState.objects.filter(attempt_id=attempt_id, view=view)
                    .exclude(connected=connected)
                    .update(connected=connected, changed_at=now)
                )
        if not changed:
            return
        if attempt.status == AttemptStatus.ANSWERING:
            alerts.report_view(attempt, view, present=connected, at=now, detail=detail)
        elif connected:  # back after the answering ended: nothing is lost any more
            alerts.close_open(
                attempt, alerts.VIEW_LOST_KINDS[view], view=view, at=now, reason="stream back"
            )
        # Lost before answering: no alert, the flow itself waits for the views.
        message: ViewChanged = {
            "type": "view.changed",
            "attempt": attempt_id,
            "view": view,
            "connected": connected,
        }
        send_on_commit(room_group(attempt.registration.room_id), dict(message))
        send_on_commit(attempt_group(attempt_id), dict(message))


def forget_views_of(media_process: str) -> int:
    """Mark lost every view that ``media_process`` held: called when that process starts, since a
    process that starts holds no peer (it crashed or was restarted, and its views are down until
    the pages reconnect). Each is published like any loss; returns how many there were."""
    held = list(
        ViewState.objects.filter(connected=True, media_process=media_process).values_list(
            "attempt_id", "view"
        )
    )
    for attempt_id, view in held:
        record_view_state(attempt_id, view, False)
    return len(held)
