"""View 1 starts in the set-up steps, not only on the answer page: the waiting room loads the
camera script with the attempt and the media process's address, and the media process accepts
the candidate's view while the attempt waits."""

from __future__ import annotations

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from exams.models import Attempt, Exam
from exams.statuses import AttemptStatus
from tests.personas import Personas
from tests.test_view_one_media import media_socket


def waiting(personas: Personas, client: Client) -> Attempt:
    Exam.objects.filter(pk=personas.formal.pk).update(
        opens_at=timezone.now() + dt.timedelta(minutes=10)
    )
    client.get("/exam/")
    client.post("/exam/info/")
    client.post("/exam/commitment/", {"decision": "accept"})
    attempt = Attempt.objects.get()
    assert attempt.status == AttemptStatus.WAITING
    return attempt


def test_the_waiting_room_streams_the_camera(
    personas: Personas, carol_client: Client, settings
) -> None:
    settings.WEBRTC_WS_BASE = "wss://media.example"
    attempt = waiting(personas, carol_client)
    page = carol_client.get("/exam/waiting/").content.decode()
    assert "js/view1.js" in page
    assert f'id="view1-root" data-attempt-id="{attempt.pk}"' in page
    assert 'data-media-ws="wss://media.example"' in page
    assert 'data-key="talk"' in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(30)
async def test_the_media_process_accepts_view_one_while_waiting(
    personas: Personas, carol_client: Client
) -> None:
    attempt = await sync_to_async(waiting)(personas, carol_client)
    socket = await media_socket(attempt.pk, await sync_to_async(lambda: personas.carol.user)())
    assert (await socket.connect())[0]
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    await socket.disconnect()
