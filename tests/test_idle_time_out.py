"""The idle time-out (issue #14): staff and candidate sessions end after STAFF_IDLE_MINUTES /
CANDIDATE_IDLE_MINUTES without a request or a socket message, the sign-in page says why, the
last activity is written at most once a minute, an open exam page (its ping) keeps the session
alive, and an idle session's sockets are refused at connect and close on their next message."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from config.asgi import application
from core.idle_sessions import LAST_ACTIVITY
from core.socket_sessions import CLOSE_SIGNED_OUT
from exams.models import Attempt
from exams.statuses import AttemptStatus
from tests.conftest import candidate_client
from tests.personas import PASSWORD, Personas


def staff_client(personas: Personas) -> Client:
    client = Client()
    client.force_login(personas.paula)
    return client


def set_last_activity(client: Client, minutes_ago: float) -> int:
    session = client.session
    value = int(time.time() - minutes_ago * 60)
    session[LAST_ACTIVITY] = value
    session.save()
    return value


def last_activity(client: Client) -> int | None:
    return client.session.get(LAST_ACTIVITY)


@pytest.mark.django_db
def test_a_staff_session_idle_too_long_is_signed_out_and_the_sign_in_page_says_why(
    personas: Personas, settings
) -> None:
    settings.STAFF_IDLE_MINUTES = 30
    client = staff_client(personas)
    set_last_activity(client, 31)
    response = client.get("/proctor/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/sign-in/")
    assert SESSION_KEY not in client.session
    page = response.content.decode()
    assert "30" in page and "分钟" in page  # zh-Hans: "…没有任何操作…分钟…"
    assert AuditEntry.objects.filter(action="account.signed_out_idle", actor=personas.paula)


@pytest.mark.django_db
def test_activity_within_the_limit_keeps_the_session_and_is_written_once_a_minute(
    personas: Personas, settings
) -> None:
    settings.STAFF_IDLE_MINUTES = 30
    client = staff_client(personas)
    assert client.get("/proctor/").status_code == 200
    first = last_activity(client)
    assert first is not None and abs(first - time.time()) < 5

    recent = set_last_activity(client, 0.5)  # 30 s ago: not rewritten
    assert client.get("/proctor/").status_code == 200
    assert last_activity(client) == recent

    older = set_last_activity(client, 29)  # 29 minutes ago: still signed in, time moves on
    assert client.get("/proctor/").status_code == 200
    assert (last_activity(client) or 0) > older + 28 * 60
    assert SESSION_KEY in client.session


@pytest.mark.django_db
def test_signing_in_starts_the_idle_clock(personas: Personas) -> None:
    client = Client()
    assert client.login(username="paula", password=PASSWORD)
    assert abs((last_activity(client) or 0) - time.time()) < 5


@pytest.mark.django_db
def test_zero_minutes_turns_the_time_out_off(personas: Personas, settings) -> None:
    settings.STAFF_IDLE_MINUTES = 0
    client = staff_client(personas)
    set_last_activity(client, 600)
    assert client.get("/proctor/").status_code == 200


@pytest.mark.django_db
def test_an_idle_candidate_without_an_exam_in_progress_is_signed_out(
    personas: Personas, settings, english
) -> None:
    settings.CANDIDATE_IDLE_MINUTES = 20
    client = candidate_client(personas, "carol")
    set_last_activity(client, 21)
    response = client.get("/exam/", follow=True)
    assert SESSION_KEY not in client.session
    assert (
        "You were signed out because your session had no activity for 20 minutes."
        in response.content.decode()
    )


@pytest.mark.django_db
def test_an_exam_in_progress_never_times_out_and_a_submitted_one_does(
    personas: Personas, carol_attempt: Attempt, settings
) -> None:
    settings.CANDIDATE_IDLE_MINUTES = 20
    client = candidate_client(personas, "carol")
    assert client.get("/exam/")["Location"] == "/exam/answer/"  # the session holds the attempt
    # 45 minutes without a word (a network outage): the attempt in progress keeps the session.
    quiet = timezone.now() - dt.timedelta(minutes=45)
    Attempt.objects.filter(pk=carol_attempt.pk).update(session_seen_at=quiet)
    set_last_activity(client, 45)
    assert client.get("/exam/answer/").status_code == 200
    assert SESSION_KEY in client.session

    # Submitted: nothing is in progress any more, and the time-out applies.
    Attempt.objects.filter(pk=carol_attempt.pk).update(status=AttemptStatus.SUBMITTED)
    set_last_activity(client, 45)
    client.get("/exam/")
    assert SESSION_KEY not in client.session


def socket_for(client: Client, path: str) -> WebsocketCommunicator:
    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.mark.django_db(transaction=True)
async def test_the_exam_pages_ping_counts_as_activity(
    personas: Personas, carol_attempt: Attempt
) -> None:
    client = await sync_to_async(candidate_client)(personas, "carol")
    assert (await sync_to_async(client.get)("/exam/"))["Location"] == "/exam/answer/"
    before = await sync_to_async(set_last_activity)(client, 10)
    socket = socket_for(client, f"/ws/attempts/{carol_attempt.pk}/")
    connected, _code = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=5))["type"] == "pong"
    await socket.disconnect()
    after = await sync_to_async(last_activity)(client)
    assert after is not None and after > before + 9 * 60


@pytest.mark.django_db(transaction=True)
async def test_the_exam_channel_reconnects_after_a_long_outage(
    personas: Personas, carol_attempt: Attempt, settings
) -> None:
    settings.CANDIDATE_IDLE_MINUTES = 20
    client = await sync_to_async(candidate_client)(personas, "carol")
    assert (await sync_to_async(client.get)("/exam/"))["Location"] == "/exam/answer/"
    await sync_to_async(set_last_activity)(client, 45)
    socket = socket_for(client, f"/ws/attempts/{carol_attempt.pk}/")
    connected, _code = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "read", "id": 1})
    await socket.send_json_to({"type": "ping"})
    while (reply := await socket.receive_json_from(timeout=5))["type"] != "pong":
        assert reply["type"] != "websocket.close"
    await socket.disconnect()
    assert (await sync_to_async(last_activity)(client) or 0) > time.time() - 60


@pytest.mark.django_db(transaction=True)
async def test_an_idle_sessions_socket_is_refused_and_an_open_one_closes_on_its_next_message(
    personas: Personas, settings
) -> None:
    settings.STAFF_IDLE_MINUTES = 30
    client = await sync_to_async(staff_client)(personas)
    path = f"/ws/proctor/rooms/{personas.room_a.pk}/"
    socket = socket_for(client, path)
    connected, _code = await socket.connect()
    assert connected
    assert (await socket.receive_json_from(timeout=5))["type"] == "room.snapshot"

    await sync_to_async(set_last_activity)(client, 31)
    await socket.send_json_to({"type": "snapshot"})
    output = await socket.receive_output(timeout=5)
    assert output["type"] == "websocket.close" and output["code"] == CLOSE_SIGNED_OUT

    refused = socket_for(client, path)
    connected, _code = await refused.connect()
    assert not connected
