"""An alert raised for an attempt reaches the proctor console of its room as a typed
``alert.changed`` message, through the real ASGI application and the Redis channel layer."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from exams.models import Attempt
from proctoring import alerts
from proctoring.models import AlertKind
from tests.personas import Personas
from tests.test_proctor_consumer import connect

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_rooms_proctor_hears_an_alert_open_and_close(
    personas: Personas, carol_attempt: Attempt
) -> None:
    socket = await connect(personas.room_a.pk, personas.paula)
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from(timeout=5))["type"] == "room.snapshot"

    now = timezone.now()
    await sync_to_async(alerts.report_second_view)(carol_attempt, present=False, at=now)
    opened = await socket.receive_json_from(timeout=5)
    assert opened["type"] == "alert.changed"
    assert opened["alert"]["kind"] == AlertKind.SECOND_VIEW_LOST
    assert opened["alert"]["status"] == "open" and opened["alert"]["view"] == 2

    await sync_to_async(alerts.report_second_view)(carol_attempt, present=True, at=now)
    closed = await socket.receive_json_from(timeout=5)
    assert closed["alert"]["status"] == "closed"
    await socket.disconnect()
