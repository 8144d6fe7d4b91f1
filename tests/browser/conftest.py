"""A live platform for browser tests: Daphne and a Celery worker as real processes on the test
database and Redis, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.processes import subprocess_database_url

BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless Chromium on a machine with no network: no background traffic, no sandbox as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Each test's candidate and proctor are windows of one browser: one would hide the other
    # (visibilityState "hidden", timers throttled), as two people's screens never do.
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, processes: list[subprocess.Popen], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {seconds} s")


class LivePlatform:
    """The web process (Daphne), the media process (Daphne on config.media_asgi) and a Celery
    worker, as real processes. The media process can be killed and started again on the same
    port, as an operator's restart would (the crash tests of live proctoring)."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.port, self.media_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.media_url = f"http://127.0.0.1:{self.media_port}"
        self.media_ws = f"ws://127.0.0.1:{self.media_port}"
        # The pages come from the web process: the media process accepts their sockets.
        self.env = {**env, "WEBRTC_WS_BASE": self.media_ws, "WEBSOCKET_ALLOWED_ORIGINS": self.url}
        self.logs = logs
        self.processes: dict[str, subprocess.Popen] = {}
        self._media_starts = 0

    def _start(self, name: str, command: list[str], log_name: str | None = None) -> None:
        self.processes[name] = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=(self.logs / f"{log_name or name}.log").open("w"),
            stderr=subprocess.STDOUT,
        )

    def start(self) -> None:
        self._start(
            "web",
            [
                str(BIN / "daphne"),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "config.asgi:application",
            ],
        )
        self._start(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--queues",
                "default,vision",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
            ],
        )
        self.start_media()
        wait_until_up(f"{self.url}/healthz", list(self.processes.values()))

    def start_media(self) -> None:
        self._media_starts += 1
        self._start(
            "media",
            [
                str(BIN / "daphne"),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.media_port),
                "config.media_asgi:application",
            ],
            log_name=f"media-{self._media_starts}",
        )
        wait_until_up(f"{self.media_url}/healthz", [self.processes["media"]])

    def kill_media(self) -> None:
        """SIGKILL, as a crash would: no shutdown hook runs."""
        process = self.processes["media"]
        process.kill()
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in sorted(self.logs.glob("*.log")):
            print(f"--- {log.stem} log ---\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    """Settings for the live processes of one test module (a module overrides this fixture,
    for a short grace period for example); none by default."""
    return {}


# Per module, not per session: a live worker left running would take tasks meant for the
# workers that other test modules start themselves.
@pytest.fixture(scope="module")
def live_platform(
    django_db_setup: None, django_db_blocker, tmp_path_factory, platform_env: dict[str, str]
) -> Iterator[LivePlatform]:
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": subprocess_database_url(database),
        "REDIS_URL": settings.REDIS_URL,
        # WebRTC on loopback only (no other interface, no STUN): aioice skips 127.0.0.1 unless told.
        "WEBRTC_ICE_HOST_ADDRESSES": "127.0.0.1",
        "WEBRTC_ICE_LOOPBACK_ONLY": "true",
        # The live processes sign certificates with the suite's key (tests/conftest.py).
        "CERT_SIGNING_KEY_FILE": settings.CERT_SIGNING_KEY_FILE,
        "CERT_SIGNING_CERT_FILE": settings.CERT_SIGNING_CERT_FILE,
        "CERT_SIGNING_CA_FILES": ",".join(settings.CERT_SIGNING_CA_FILES),
        **platform_env,
    }
    platform = LivePlatform(env, tmp_path_factory.mktemp("live"))
    try:
        platform.start()
        yield platform
    finally:
        platform.stop()


@pytest.fixture(scope="module")
def live_url(live_platform: LivePlatform) -> str:
    return live_platform.url


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Chromium for one test. Playwright's sync API runs an event loop in this thread, so the
    test's own ORM calls need Django's async-safety check lifted, for this test only."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: run bin/install-system-packages (make test does)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# A camera and a microphone for WebRTC tests: Chromium's fake devices playing the shared
# talking-face clip (Chromium's fake capture reads y4m and wav files); loopback candidates
# allowed, autoplay of the proctor's voice without a click.
def media_args(video: str = "talking_face_640x360_15fps.y4m") -> list[str]:
    footage = Path(settings.SHARED_DATA_DIR) / "video"
    return [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={footage / video}",
        f"--use-file-for-fake-audio-capture={footage / 'talking_face_audio.wav'}",
        "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required",
    ]


@pytest.fixture
def media_browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Chromium with a fake camera and microphone, for the WebRTC tests. They belong inside
    bin/in-loopback-netns (make test runs the suite there)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: run bin/install-system-packages (make test does)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=media_args())
        yield chromium
        chromium.close()


@pytest.fixture
def screenshot(request) -> object:
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{name}.png"), full_page=True)

    return take


# Other processes' transactions on the test database, the live platform's among them.
BUSY_BACKENDS = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
)


@pytest.fixture(autouse=True)
def _platform_quiet_before_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test against the live platform, pytest-django empties every table with one
    TRUNCATE, which needs every table's exclusive lock. The platform's processes are still
    running then (they live per module): a worker still storing a frame's analysis holds row
    locks the TRUNCATE waits for while wanting one the TRUNCATE took, and PostgreSQL ends one of
    them as a deadlock (seen: the TURN test's teardown). So before the flush, wait until no
    other process has a transaction open, and end the ones that outlast the wait."""
    marker = request.node.get_closest_marker("django_db")
    live = "live_platform" in request.fixturenames or "live_url" in request.fixturenames
    if not live or marker is None or not marker.kwargs.get("transaction"):
        yield
        return
    request.getfixturevalue("transactional_db")  # set up first, so flushed after this teardown
    yield
    deadline = time.monotonic() + 15
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(BUSY_BACKENDS)
            if not cursor.fetchall():
                return
            time.sleep(0.2)
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND xact_start IS NOT NULL"
        )
