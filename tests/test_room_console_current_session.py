"""The room console shows the candidates of the exam being sat now (a plan session's exam), not
every attempt ever held in the room."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.test import Client
from django.utils import timezone

from exams import summaries
from exams.models import Attempt, Exam, Registration
from exams.statuses import AttemptStatus
from proctoring import alert_events
from proctoring.models import Alert, AlertKind, Severity
from tests.personas import PASSWORD, answering, exam

if TYPE_CHECKING:
    from tests.personas import Personas


def test_the_console_lists_only_the_current_exams_candidates(personas: Personas):
    now = timezone.now()
    last_week = exam("LAST-WEEK", Exam.Kind.FORMAL, "OLD-1")
    Exam.objects.filter(pk=last_week.pk).update(
        opens_at=now - dt.timedelta(days=7), closes_at=now - dt.timedelta(days=7, hours=-2)
    )
    old_registration = Registration.objects.create(
        exam=last_week, candidate=personas.dave, room=personas.room_a
    )
    old = Attempt.objects.create(
        registration=old_registration, status=AttemptStatus.GRADED, score=3, max_score=6
    )
    Alert.objects.create(
        attempt=old,
        kind=AlertKind.LEFT_SEAT,
        severity=Severity.HIGH,
        opened_at=now - dt.timedelta(days=7),
        last_seen_at=now - dt.timedelta(days=7),
    )
    current = answering(Registration.objects.get(exam=personas.formal, candidate=personas.carol))

    tiles = summaries.room_snapshot(personas.room_a.pk)
    assert [t["id"] for t in tiles] == [current.pk]
    assert alert_events.room_alerts(personas.room_a.pk) == []

    client = Client()
    assert client.login(username="paula", password=PASSWORD)
    page = client.get(f"/proctor/rooms/{personas.room_a.pk}/").content.decode()
    assert personas.formal.title in page and last_week.title not in page

    # Once the formal exam has closed (and its grace passed), its tiles leave the console too,
    # unless an attempt is still live.
    Exam.objects.filter(pk=personas.formal.pk).update(
        opens_at=now - dt.timedelta(hours=5), closes_at=now - dt.timedelta(hours=1)
    )
    assert [t["id"] for t in summaries.room_snapshot(personas.room_a.pk)] == [current.pk]
    Attempt.objects.filter(pk=current.pk).update(status=AttemptStatus.GRADED)
    assert summaries.room_snapshot(personas.room_a.pk) == []
