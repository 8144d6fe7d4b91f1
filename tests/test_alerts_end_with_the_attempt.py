"""An alert of an attempt that ended is no longer "ongoing": the end of the attempt (submitted,
ended by the proctor) closes its open alerts, which stay in the queue until a proctor decides
them; a frame analysed after the end adds evidence but opens nothing that goes on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from exams import services
from exams.models import Attempt
from proctoring import actions, alert_events
from proctoring.alerts import apply, raise_or_extend
from proctoring.models import Alert, AlertKind, AlertStatus
from tests.personas import Personas
from vision.results import Faces, FrameResult

pytestmark = pytest.mark.django_db


def test_submitting_closes_the_open_alerts_and_they_wait_for_a_decision(
    personas: Personas, carol_attempt: Attempt
) -> None:
    seen = timezone.now() - dt.timedelta(seconds=30)
    alert = raise_or_extend(
        carol_attempt, AlertKind.DEVICE, view=1, at=seen, confidence=0.8, detail={}
    )
    assert alert.status == AlertStatus.OPEN
    services.submit(carol_attempt, reason="time")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert alert.closed_at is not None and alert.closed_at >= seen
    queue = alert_events.room_alerts(personas.room_a.pk)
    assert [(a["id"], a["status"]) for a in queue] == [(alert.pk, AlertStatus.CLOSED)]


def test_ending_the_exam_closes_the_open_alerts(personas: Personas, carol_attempt: Attempt) -> None:
    now = timezone.now()
    for kind in (AlertKind.LEFT_SEAT, AlertKind.EXTRA_PERSON):
        raise_or_extend(carol_attempt, kind, view=1, at=now, confidence=0.9, detail={})
    actions.end_exam(carol_attempt, "cheating", actor=personas.paula)
    assert not Alert.objects.filter(attempt=carol_attempt, status=AlertStatus.OPEN).exists()
    assert Alert.objects.filter(attempt=carol_attempt, status=AlertStatus.CLOSED).count() == 2


def test_a_frame_analysed_after_the_end_opens_nothing_that_goes_on(
    carol_attempt: Attempt,
) -> None:
    taken = timezone.now() - dt.timedelta(seconds=5)
    services.submit(carol_attempt, reason="time")
    empty = FrameResult(
        view=1,
        size=(640, 480),
        pipeline="test",
        persons=(),
        devices=(),
        objects=(),
        faces=Faces(count=0, boxes=()),
        identity=None,
        covered=None,
        looking_away=None,
        models={},
        reused=False,
        timings_ms={},
    )
    touched = apply(carol_attempt, empty, at=taken)
    assert [a.kind for a in touched] == [AlertKind.LEFT_SEAT]
    alert = Alert.objects.get(attempt=carol_attempt, kind=AlertKind.LEFT_SEAT)
    assert alert.status == AlertStatus.CLOSED
    assert alert.closed_at == taken
