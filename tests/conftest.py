from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Iterator

import pytest
import redis
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client

from exams.models import Attempt, Registration
from tests import personas as personas_module
from tests.janus_server import JanusServer
from tests.personas import Personas


@pytest.fixture(scope="session", autouse=True)
def _clean_redis() -> Iterator[None]:
    """The suite owns its Redis database: start from empty (no stale tasks, limits or groups)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield
    client.flushdb()


@pytest.fixture(scope="session", autouse=True)
def _end_stray_connections(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """Threads of async tests (and live servers) may keep database connections open; end them
    before pytest-django drops the test database, which it cannot do while they exist."""
    yield
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
    except OperationalError:  # a run without database tests never created the test database
        pass


@pytest.fixture(scope="session", autouse=True)
def certificate_signing_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The suite's own certificate signing key: a CA and a signing certificate it issued, made
    with ``cryptography`` for this run (never the development key, never a file of the repo),
    and required, as in production."""
    from django.test import override_settings

    from certification.signing import write_material

    found = write_material(tmp_path_factory.mktemp("certificate-signing"), "Open Proctor tests")
    with override_settings(
        CERT_SIGNING_KEY_FILE=str(found.key_file),
        CERT_SIGNING_CERT_FILE=str(found.cert_file),
        CERT_SIGNING_CA_FILES=[str(p) for p in found.ca_files],
        CERT_SIGNING_REQUIRED=True,
    ):
        yield found


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Rate-limit counters of one test must not throttle the next. Only those keys go: a
    flush would also drop the Celery queue bindings of a worker that is running."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match="*:rl:*", count=1000):
        client.delete(key)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every coroutine test ends the WebSocket applications it started (below)."""
    for item in items:
        function = getattr(item, "function", None)
        if inspect.iscoroutinefunction(function) and isinstance(item, pytest.Function):
            item.fixturenames.append("_end_websocket_apps")


@pytest.fixture
async def _end_websocket_apps(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """Disconnect, inside the test's own event loop, every WebSocket application the test left
    running: typically one whose connect the consumer refused, which the test never disconnects.

    Such an application is still waiting on the Redis channel layer when the test ends. Left to
    itself, it is cancelled by the event loop's shutdown together with channels_redis's own
    helper tasks (its receive lock, its buffer reads, its backup cleaners) all at once, and that
    teardown sometimes never finished (a 300 s pytest-timeout at teardown, about one run in six
    of the consumer tests). A ``websocket.disconnect`` instead lets the consumer stop the way a
    real server stops it: its dispatch loop cancels only the channel receive, and channels_redis
    unwinds its helpers itself.
    """
    opened: list[WebsocketCommunicator] = []
    original_init = WebsocketCommunicator.__init__

    def tracking_init(self: WebsocketCommunicator, *args: object, **kwargs: object) -> None:
        original_init(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(WebsocketCommunicator, "__init__", tracking_init)
    yield
    for communicator in opened:
        if not communicator.future.done():
            with contextlib.suppress(Exception):
                await communicator.disconnect(timeout=5)


@pytest.fixture
def english(settings) -> Iterator[None]:
    """For tests that read messages in English: pages and services speak zh-Hans by default."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def personas(db: None) -> Personas:
    return personas_module.build()


@pytest.fixture
def carol_attempt(personas: Personas) -> Attempt:
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    return personas_module.answering(registration)


def candidate_client(personas: Personas, who: str = "carol", passcode: str | None = None) -> Client:
    """A browser session signed in the way a candidate signs in: ID number and passcode."""
    client = Client()
    person = getattr(personas, who)
    response = client.post(
        "/exam/sign-in/",
        {"id_number": person.id_number, "passcode": passcode or personas_module.FORMAL_PASSCODE},
    )
    assert response.status_code == 302, response.content.decode()
    return client


@pytest.fixture
def carol_client(personas: Personas) -> Client:
    return candidate_client(personas, "carol")


@pytest.fixture
def janus(tmp_path) -> Iterator[JanusServer]:
    """A private Janus on loopback for this test (tests/janus_server.py), killed at its end."""
    server = JanusServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
