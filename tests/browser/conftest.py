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


# Per module, not per session: a live worker left running would take tasks meant for the
# workers that other test modules start themselves.
@pytest.fixture(scope="module")
def live_url(django_db_setup: None, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
    port = free_port()
    logs = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": settings.REDIS_URL,
    }
    commands = {
        "web": [
            str(BIN / "daphne"),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "config.asgi:application",
        ],
        "worker": [
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
    }
    processes = [
        subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=(logs / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for name, command in commands.items()
    ]
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", processes)
        yield f"http://127.0.0.1:{port}"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for name in commands:
            print(f"--- {name} log ---\n{(logs / f'{name}.log').read_text()[-3000:]}")


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


@pytest.fixture
def screenshot(request) -> object:
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{name}.png"), full_page=True)

    return take
