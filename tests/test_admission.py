"""Overload degrades instead of failing: the admission gate in front of a web process answers 503
with Retry-After at once when its requests in flight are at the limit for too long, and a request
that finds the database without a free connection gets the same 503 instead of a server error."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.test import Client, override_settings
from django.urls import path
from psycopg.conninfo import make_conninfo
from psycopg_pool import ConnectionPool

from core.admission import AdmissionGate, gate_from_settings, is_overload


class HeldApp:
    """An ASGI application that answers only when the test lets it: requests stay in flight."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.entered += 1
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def request(app: Any, path: str, language: str = "zh-CN") -> dict[str, Any]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "headers": [(b"accept-language", language.encode())],
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    return {
        "status": start["status"],
        "headers": {k.decode(): v.decode() for k, v in start.get("headers", [])},
        "body": b"".join(m.get("body", b"") for m in sent[1:]),
    }


def test_requests_past_the_limit_wait_for_a_place_and_are_let_in_in_order() -> None:
    async def scenario() -> None:
        inner = HeldApp()
        gate = AdmissionGate(inner, limit=2, wait_seconds=5, max_waiting=10)
        first = [asyncio.create_task(request(gate, "/exam/")) for _ in range(3)]
        await asyncio.sleep(0.05)
        assert inner.entered == 2 and gate.in_flight == 2 and gate.waiting == 1
        inner.release.set()
        answers = await asyncio.gather(*first)
        assert [a["status"] for a in answers] == [200, 200, 200]
        assert gate.in_flight == 0 and gate.waiting == 0 and gate.refused == 0

    asyncio.run(scenario())


def test_a_request_that_cannot_get_in_in_time_gets_503_with_retry_after() -> None:
    async def scenario() -> None:
        inner = HeldApp()
        gate = AdmissionGate(inner, limit=1, wait_seconds=0.2, max_waiting=10)
        held = asyncio.create_task(request(gate, "/exam/"))
        await asyncio.sleep(0.02)
        loop = asyncio.get_running_loop()
        begun = loop.time()
        api = await request(gate, "/api/exam/attempts/1/answers/2")
        assert 0.15 < loop.time() - begun < 1.0  # waited its time, then no longer
        assert api["status"] == 503
        assert 2 <= int(api["headers"]["retry-after"]) <= 6
        assert api["headers"]["content-type"] == "application/json"
        body = json.loads(api["body"])
        assert body["code"] == "busy"
        assert "不会丢失" in body["message"] or "忙" in body["message"]
        page = await request(gate, "/exam/answer/", language="en")
        assert page["status"] == 503 and page["headers"]["content-type"].startswith("text/html")
        assert b"The server is busy" in page["body"]
        assert gate.refused == 2
        inner.release.set()
        assert (await held)["status"] == 200

    asyncio.run(scenario())


def test_a_full_waiting_line_is_refused_at_once_and_the_health_check_skips_the_gate() -> None:
    async def scenario() -> None:
        inner = HeldApp()
        gate = AdmissionGate(inner, limit=1, wait_seconds=30, max_waiting=0)
        held = asyncio.create_task(request(gate, "/exam/"))
        await asyncio.sleep(0.02)
        loop = asyncio.get_running_loop()
        begun = loop.time()
        refused = await request(gate, "/exam/")
        assert refused["status"] == 503 and loop.time() - begun < 0.1
        # The health check goes past the gate (it is held by the inner app like the first).
        health = asyncio.create_task(request(gate, "/healthz"))
        await asyncio.sleep(0.02)
        assert inner.entered == 2
        inner.release.set()
        assert (await held)["status"] == 200 and (await health)["status"] == 200

    asyncio.run(scenario())


def test_the_settings_put_the_gate_in_front_of_the_application_only_when_asked() -> None:
    app = HeldApp()
    with override_settings(WEB_MAX_IN_FLIGHT=0):
        assert gate_from_settings(app) is app
    with override_settings(
        WEB_MAX_IN_FLIGHT=7, WEB_ADMISSION_WAIT_SECONDS=1.5, WEB_ADMISSION_MAX_WAITING=9
    ):
        gate = gate_from_settings(app)
    assert isinstance(gate, AdmissionGate)
    assert (gate.limit, gate.wait_seconds, gate.max_waiting) == (7, 1.5, 9)


def test_production_gates_below_the_database_pool() -> None:
    """The web process lets in fewer requests than its pool has connections, leaving some to its
    WebSocket consumers, so no request waits inside the pool."""
    import os
    import subprocess
    import sys

    code = (
        "from django.conf import settings; import django; django.setup(); "
        "print(settings.WEB_MAX_IN_FLIGHT, "
        "settings.DATABASES['default']['OPTIONS']['pool']['max_size'])"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "exam.example.org",
        "FACE_TEMPLATE_KEY": "a" * 44,
        "EVIDENCE_SIGNING_KEY": "dGVzdC1vbmx5LWV2aWRlbmNlLXNpZ25pbmcta2V5ISE=",
        "NOTIFICATION_FILE_GATEWAY_FOR_DRILLS": "true",
        "DB_POOL_MAX": "24",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    limit, pool = map(int, result.stdout.split()[-2:])
    assert pool == 24 and limit == 20


# --- the database without a free connection ----------------------------------------------------

held_pool: ConnectionPool | None = None


def borrows_from_an_exhausted_pool(request: HttpRequest) -> JsonResponse:
    """A view that needs a connection from a pool whose only one is taken: psycopg_pool raises
    its real PoolTimeout, as Django's pooled backend does when every connection is busy."""
    assert held_pool is not None
    with held_pool.connection(timeout=0.2):
        return JsonResponse({"unreachable": True})


def fails_otherwise(request: HttpRequest) -> JsonResponse:
    raise RuntimeError("a bug, not overload")


urlpatterns = [
    path("api/exam/overloaded", borrows_from_an_exhausted_pool),
    path("exam/overloaded", borrows_from_an_exhausted_pool),
    path("api/exam/broken", fails_otherwise),
]
handler500 = "core.views.server_error"


def test_the_platform_uses_the_overload_aware_error_handler() -> None:
    import config.urls

    assert config.urls.handler500 == "core.views.server_error"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_no_free_database_connection_is_a_503_with_retry_after_not_a_server_error() -> None:
    global held_pool
    params = connection.get_connection_params()
    keys = ("host", "port", "user", "password", "dbname")
    conninfo = make_conninfo(**{k: v for k, v in params.items() if k in keys and v})
    held_pool = ConnectionPool(conninfo, min_size=1, max_size=1, open=True)
    try:
        with held_pool.connection():  # the only connection, taken
            client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
            api = client.get("/api/exam/overloaded")
            assert api.status_code == 503
            assert 2 <= int(api["Retry-After"]) <= 6
            assert api.json()["code"] == "busy"
            page = client.get("/exam/overloaded")
            assert page.status_code == 503 and "busy" in page.content.decode()
            bug = client.get("/api/exam/broken")
            assert bug.status_code == 500 and not bug.has_header("Retry-After")
    finally:
        held_pool.close()
        held_pool = None


def test_overload_is_told_apart_from_other_database_errors() -> None:
    from django.db import OperationalError
    from psycopg_pool import PoolTimeout

    try:
        try:
            raise PoolTimeout("couldn't get a connection after 10.00 sec")
        except PoolTimeout as inner:
            raise OperationalError("wrapped by Django") from inner
    except OperationalError as wrapped:
        assert is_overload(wrapped)
    assert not is_overload(OperationalError("syntax error"))
    assert not is_overload(None)
