"""Answering needs only PostgreSQL: with Redis killed, signed-in candidates go on saving answers,
loading their pages and reporting page events; sign-in answers 503 "try again in a minute"
(its delays live in Redis and fail closed), never a server error; a submission is taken and
graded once the broker is back. When Redis returns, everything resumes.

The Redis here is the test's own real server on a free loopback port (``tests.redis_server``):
the cache, the channel layer and the Celery broker point at it, and it is killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import Client
from django.utils import timezone

from config.celery import app
from config.settings.base import redis_cache, redis_channel_layer
from core import live, ratelimit
from exams import services
from exams.models import Answer, Attempt, Registration
from exams.statuses import AttemptStatus
from tests.conftest import candidate_client
from tests.personas import PASSWORD, Personas, answering
from tests.redis_server import RedisServer


@pytest.fixture
def own_redis(tmp_path: Path, settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """A Redis of this test's own behind the cache, the channel layer and the broker."""
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = redis_cache(server.url, "outage")
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(server.url, "outage")}
    # The Celery app read its broker once; point it (and its connection pools) at this Redis.
    monkeypatch.setattr(app.conf, "broker_url", server.url)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    # Pauses left by another test's failures would hide this one's.
    monkeypatch.setattr(live, "_paused_until", 0.0)
    monkeypatch.setattr(live, "_timed_out_last", False)
    monkeypatch.setattr(ratelimit, "health", ratelimit._CacheHealth())
    yield server
    server.stop()


def wait_for(condition: Callable[[], bool], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def put(client: Client, attempt: Attempt, question_id: int, response: object, seq: int):
    return client.put(
        f"/api/exam/attempts/{attempt.pk}/answers/{question_id}",
        json.dumps({"response": response, "seq": seq}),
        content_type="application/json",
    )


def event(client: Client, attempt: Attempt, kind: str = "blur"):
    return client.post(
        f"/api/exam/attempts/{attempt.pk}/events",
        json.dumps({"kind": kind}),
        content_type="application/json",
    )


def stored(attempt: Attempt, question_id: int) -> tuple[object, int]:
    answer = Answer.objects.get(attempt=attempt, question_id=question_id)
    return answer.response, answer.seq


def sign_in(client: Client, id_number: str, passcode: str):
    return client.post("/exam/sign-in/", {"id_number": id_number, "passcode": passcode})


def room_hears_of_saves(room_id: int, save: Callable[[int], object], seconds: float = 30) -> dict:
    """Listen to the room's console group and save (``save(seq)``, seq rising) until an event
    arrives. The first sends after a restart may fail on connections to the old server (and
    pause live events for a moment): events are hints, later ones get through."""

    async def listen() -> dict:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(live.room_group(room_id), channel)
        deadline = time.monotonic() + seconds
        seq = 10
        while time.monotonic() < deadline:
            seq += 1
            await asyncio.get_running_loop().run_in_executor(None, save, seq)
            try:
                return await asyncio.wait_for(layer.receive(channel), timeout=2)
            except TimeoutError:
                continue
        raise AssertionError("no live event reached the room after Redis came back")

    return async_to_sync(listen)()


@pytest.mark.django_db(transaction=True)
def test_answering_goes_on_while_redis_is_killed_and_everything_resumes_when_it_is_back(
    personas: Personas, own_redis: RedisServer, caplog: pytest.LogCaptureFixture, english: None
) -> None:
    carol_attempt = answering(
        Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    )
    dave_attempt = answering(
        Registration.objects.get(exam=personas.formal, candidate=personas.dave)
    )
    carol = candidate_client(personas, "carol")
    dave = candidate_client(personas, "dave")
    first, second = (int(item["question"]) for item in carol_attempt.paper[:2])
    assert put(carol, carol_attempt, first, "A", 1).status_code == 200
    assert dave.get("/exam/answer/").status_code == 200  # dave's session claims his attempt

    own_redis.kill()
    caplog.set_level(logging.WARNING)
    carol.raise_request_exception = False
    dave.raise_request_exception = False

    # Saves are committed and acknowledged, the pages and the paper's state load.
    assert put(carol, carol_attempt, first, "B", 2).status_code == 200
    assert put(carol, carol_attempt, second, "C", 1).status_code == 200
    assert stored(carol_attempt, first) == ("B", 2)
    assert stored(carol_attempt, second) == ("C", 1)
    assert carol.get("/exam/answer/").status_code == 200
    assert carol.get(f"/api/exam/attempts/{carol_attempt.pk}").json()["answers"][str(second)] == {
        "response": "C",
        "seq": 1,
    }
    # Page events are taken (their limit fails open) and recorded.
    response = event(carol, carol_attempt)
    assert response.status_code == 200, response.content
    assert carol_attempt.events.filter(kind="blur").exists()
    # The console's live event is skipped, with a log line saying so.
    assert wait_for(lambda: "not published" in caplog.text)

    # Sign-in fails closed with a clear 503, never a server error, for candidates and staff.
    stranger = Client(raise_request_exception=False)
    response = sign_in(stranger, personas.carol.id_number, "WRONG-0000")
    assert response.status_code == 503
    assert "Try again in a minute" in response.content.decode()
    response = stranger.post("/accounts/sign-in/", {"username": "paula", "password": PASSWORD})
    assert response.status_code == 503

    # A submission is taken; its grading task cannot be sent, the re-grade job sends it later.
    response = dave.post(f"/api/exam/attempts/{dave_attempt.pk}/submit")
    assert response.status_code == 200, response.content
    dave_attempt.refresh_from_db()
    assert dave_attempt.status == AttemptStatus.SUBMITTED
    assert "grading of attempt" in caplog.text

    own_redis.start()  # empty: Redis without persistence lost its data too

    # Sign-in counts again once the limiter's pause after the failure is over.
    assert wait_for(
        lambda: sign_in(stranger, personas.carol.id_number, "WRONG-0000").status_code == 400
    )
    fresh = Client()
    response = fresh.post("/accounts/sign-in/", {"username": "paula", "password": PASSWORD})
    assert response.status_code == 302
    # Live events reach the room's console again.
    message = room_hears_of_saves(
        personas.room_a.pk, lambda seq: put(carol, carol_attempt, first, "D", seq)
    )
    assert message["attempt"]["id"] == carol_attempt.pk
    assert stored(carol_attempt, first)[0] == "D"
    # The paper submitted during the outage is queued again and graded by the job's next run.
    later = timezone.now() + dt.timedelta(seconds=settings.EXAM_REGRADE_AFTER_SECONDS + 1)
    assert dave_attempt.pk in services.stuck_in_grading(now=later)
