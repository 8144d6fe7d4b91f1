"""The room console shows the candidates of the exam being sat now (a plan session's exam), not
every attempt ever held in the room."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
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
    last_week = exam("LAST-WEEK", Exam.Kind.FORMAL)
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


def _past_attempt(personas: Personas) -> Attempt:
    now = timezone.now()
    past = exam("PAST", Exam.Kind.FORMAL)
    Exam.objects.filter(pk=past.pk).update(
        opens_at=now - dt.timedelta(days=3), closes_at=now - dt.timedelta(days=3, hours=-2)
    )
    registration = Registration.objects.create(
        exam=past, candidate=personas.dave, room=personas.room_a
    )
    return Attempt.objects.create(
        registration=registration, status=AttemptStatus.MARKING, score=None, max_score=6
    )


@pytest.mark.django_db(transaction=True)
async def test_the_live_console_hears_nothing_of_a_past_exams_papers(personas: Personas):
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from tests.sockets import session_cookie

    past = await sync_to_async(_past_attempt)(personas)
    current = await sync_to_async(answering)(
        await sync_to_async(Registration.objects.get)(
            exam=personas.formal, candidate=personas.carol
        )
    )
    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
        (b"cookie", await sync_to_async(session_cookie)(personas.paula)),
    ]
    socket = WebsocketCommunicator(
        application, f"/ws/proctor/rooms/{personas.room_a.pk}/", headers=headers
    )
    connected, _ = await socket.connect()
    assert connected
    snapshot = await socket.receive_json_from(timeout=5)
    assert [a["id"] for a in snapshot["attempts"]] == [current.pk]

    await sync_to_async(summaries.publish)(past.pk)  # marked a week late, say
    assert await socket.receive_nothing(timeout=1)
    await sync_to_async(summaries.publish)(current.pk)
    event = await socket.receive_json_from(timeout=5)
    assert event["attempt"]["id"] == current.pk
    await socket.disconnect()
