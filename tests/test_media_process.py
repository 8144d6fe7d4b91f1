"""The media process as a real process (Daphne, ``config.media_asgi``) on the test database:
SIGTERM with live peers ends it within seconds (aiortc's threads used to keep it alive), and a
kill -9 mid-exam leaves the candidate answering while the view comes back by itself once the
process is restarted on the same port; the proctor's room hears of the loss from the candidate's
page (its channel on the web process) and of the return from the media process. The sender is an
aiortc peer that reconnects as view1.js does (``bench_media.ViewSender``). ICE stays on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection

from bench.management.commands.bench_media import (
    ViewSender,
    candidate_cookie,
    free_port,
    media_env,
    start_media_process,
)
from config.asgi import application as web_application
from exams.models import Attempt, Registration
from proctoring import events
from tests.conftest import candidate_client
from tests.personas import Personas, answering
from tests.processes import subprocess_database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


@pytest.fixture(autouse=True)
def _loopback_media(settings: Any) -> None:
    # The senders in this process gather loopback candidates too.
    settings.WEBRTC_ICE_HOST_ADDRESSES = ["127.0.0.1"]
    settings.WEBRTC_ICE_LOOPBACK_ONLY = True


@pytest.fixture
def media_process(tmp_path: Path) -> Iterator[Any]:
    """A factory of media processes on one port with the test database; all are ended after."""
    database = connection.settings_dict["NAME"]
    env = media_env(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": subprocess_database_url(database),
            "REDIS_URL": settings.REDIS_URL,
            "LOG_LEVEL": "INFO",
        }
    )
    port = free_port()
    started: list[subprocess.Popen[bytes]] = []
    log = (tmp_path / "media.log").open("ab")

    def start() -> subprocess.Popen[bytes]:
        process = start_media_process(port, env, log=log)
        started.append(process)
        return process

    start.port = port  # type: ignore[attr-defined]
    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()
    log.close()
    print((tmp_path / "media.log").read_text()[-4000:])


def _live_attempt(personas: Personas) -> tuple[Attempt, bytes]:
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    return answering(registration), candidate_cookie(personas.carol.user).encode()


async def test_sigterm_with_live_peers_ends_the_process_within_seconds(
    personas: Personas, media_process: Any
) -> None:
    attempt, cookie = await sync_to_async(_live_attempt)(personas)
    layer: Any = get_channel_layer()
    room = await layer.new_channel()
    await layer.group_add(events.room_group(personas.room_a.pk), room)
    process = media_process()
    sender = ViewSender(f"ws://127.0.0.1:{media_process.port}", attempt.pk, 1, cookie.decode())
    try:
        await sender.connect()
        assert await _view_event(layer, room) == (1, True)
        await asyncio.sleep(1)  # media flows: the server's decoder threads are running
        begun = time.monotonic()
        process.send_signal(signal.SIGTERM)
        exit_code = await asyncio.to_thread(process.wait, 10)
        assert time.monotonic() - begun < 6
        assert exit_code == 0
        # The peers were closed before the loop stopped: the room heard the view go.
        assert await _view_event(layer, room) == (1, False)
    finally:
        await sender.close()
        await layer.group_discard(events.room_group(personas.room_a.pk), room)


async def test_killing_the_media_process_spares_answering_and_views_come_back(
    personas: Personas, media_process: Any
) -> None:
    attempt, cookie = await sync_to_async(_live_attempt)(personas)
    layer: Any = get_channel_layer()
    room = await layer.new_channel()
    await layer.group_add(events.room_group(personas.room_a.pk), room)
    process = media_process()
    page = WebsocketCommunicator(
        web_application,
        f"/ws/attempts/{attempt.pk}/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie)],
    )
    assert (await page.connect())[0]
    sender = ViewSender(f"ws://127.0.0.1:{media_process.port}", attempt.pk, 1, cookie.decode())
    keeping = asyncio.ensure_future(sender.keep_connected(retry_every=0.5))
    try:
        await asyncio.wait_for(sender.connected.wait(), 20)
        assert await _view_event(layer, room) == (1, True)

        os.kill(process.pid, signal.SIGKILL)  # a crash: no shutdown hook, no goodbye
        await asyncio.to_thread(process.wait, 10)
        for _ in range(100):  # the page notices within a few seconds (socket closed)
            if not sender.connected.is_set():
                break
            await asyncio.sleep(0.1)
        assert not sender.connected.is_set()
        # The page reports the lost view over its candidate channel on the web process (the
        # media process that would have told the room is gone), and the proctor hears of it.
        await page.send_json_to({"type": "view", "view": 1, "connected": False})
        assert await _view_event(layer, room) == (1, False)

        # The candidate keeps answering on the web process meanwhile.
        saved = await sync_to_async(_save_an_answer)(personas, attempt)
        assert saved == 200

        media_process()  # back on the same port
        await asyncio.wait_for(sender.connected.wait(), 30)
        assert sender.connections == 2
        # The restarted process tells the room the view is back.
        assert await _view_event(layer, room) == (1, True)
        refreshed = await sync_to_async(Attempt.objects.get)(pk=attempt.pk)
        assert refreshed.status == "answering"
    finally:
        keeping.cancel()
        await asyncio.gather(keeping, return_exceptions=True)
        await sender.close()
        await page.disconnect()
        await layer.group_discard(events.room_group(personas.room_a.pk), room)


async def _view_event(layer: Any, channel: str, timeout: float = 15) -> tuple[int, bool]:
    """The next ``view.changed`` of the room (other events, such as thumbnails, skipped)."""
    async with asyncio.timeout(timeout):
        while True:
            message = await layer.receive(channel)
            if message["type"] == "view.changed":
                return message["view"], message["connected"]


def _save_an_answer(personas: Personas, attempt: Attempt) -> int:
    """A save through the answer API (the web process's code, not the media process's)."""
    attempt.refresh_from_db()
    question = attempt.paper[0]["question"]
    reply = candidate_client(personas).put(
        f"/api/exam/attempts/{attempt.pk}/answers/{question}",
        json.dumps({"response": "A", "seq": 1}),
        content_type="application/json",
    )
    return reply.status_code
