"""The candidate's live channel belongs to the browser session holding the attempt
(``exams.attempt_sessions``): another session of the same candidate is refused at connect, and
the holder's ping keeps its session alive, so a second sign-in stays refused while it pings."""

from __future__ import annotations

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from config.asgi import application
from exams.models import Attempt
from tests.conftest import candidate_client
from tests.personas import Personas

pytestmark = pytest.mark.django_db(transaction=True)


def socket_for(client: Client, attempt: Attempt) -> WebsocketCommunicator:
    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    return WebsocketCommunicator(application, f"/ws/attempts/{attempt.pk}/", headers=headers)


def holder_and_other(personas: Personas, attempt: Attempt) -> tuple[Client, Client]:
    holder = candidate_client(personas, "carol")
    assert holder.get("/exam/")["Location"] == "/exam/answer/"  # claims the attempt
    other = Client()
    other.force_login(personas.carol.user, backend="accounts.backends.CandidateSessionBackend")
    return holder, other


async def test_only_the_session_holding_the_attempt_joins_its_channel(
    personas: Personas, carol_attempt: Attempt
) -> None:
    holder, other = await sync_to_async(holder_and_other)(personas, carol_attempt)
    refused = socket_for(other, carol_attempt)
    connected, code = await refused.connect()
    assert not connected and code == 4403

    quiet = timezone.now() - dt.timedelta(minutes=5)
    await sync_to_async(Attempt.objects.filter(pk=carol_attempt.pk).update)(session_seen_at=quiet)
    socket = socket_for(holder, carol_attempt)
    connected, _code = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=5))["type"] == "pong"
    await socket.disconnect()
    attempt = await sync_to_async(Attempt.objects.get)(pk=carol_attempt.pk)
    assert attempt.session_seen_at is not None and attempt.session_seen_at > quiet
