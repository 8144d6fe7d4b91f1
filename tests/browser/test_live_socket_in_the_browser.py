"""The pages' one reconnecting WebSocket (static/js/live_socket.js) in a real Chromium against a
real server process (tests/browser/socket_server.py under Daphne) that the test kills with
SIGKILL and starts again: the socket comes back by itself with back-off, a 4429 waits its delay,
restart() drops and reconnects, and 4403 ends it for good. The WebRTC pages (view 1, view 2,
the proctor's focus) signal through it; their own browser tests kill the media process."""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.conftest import BIN, free_port, wait_until_up

pytestmark = pytest.mark.browser

SCRIPT = Path(settings.BASE_DIR) / "static" / "js" / "live_socket.js"

# The module is imported from a data: address: the test page is the socket server's own, which
# serves no static files.
OPEN = """async ([url, source]) => {
  const { LiveSocket } = await import(source);
  window.log = [];
  const note = (...entry) => window.log.push([...entry, Date.now()]);
  window.live = new LiveSocket(url, {
    onOpen: () => note("open"),
    onMessage: (message) => note("message", message.n),
    onClose: (event, retrying) => note("close", event.code, retrying),
  }, { first: 200, max: 800, delays: { 4429: 1500 } });
}"""


class Server:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self, script: str = "") -> None:
        self.process = subprocess.Popen(
            [
                str(BIN / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "tests.browser.socket_server:app",
            ],
            cwd=settings.BASE_DIR,
            env={**os.environ, "SOCKET_SCRIPT": script},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_up(f"http://127.0.0.1:{self.port}/healthz", [self.process])

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def server() -> Iterator[Server]:
    server = Server()
    server.start()
    yield server
    if server.process and server.process.poll() is None:
        server.kill()


def entries(page, kind: str) -> list[list]:
    return page.evaluate(f"() => window.log.filter((entry) => entry[0] === '{kind}')")


def test_the_live_socket_comes_back_after_the_server_dies_and_stops_when_refused(
    browser, server: Server
) -> None:
    page = browser.new_page()
    page.goto(f"http://127.0.0.1:{server.port}/")
    source = "data:text/javascript;base64," + base64.b64encode(SCRIPT.read_bytes()).decode()
    page.evaluate(OPEN, [f"ws://127.0.0.1:{server.port}/", source])
    page.wait_for_function("() => window.log.some((entry) => entry[0] === 'message')")
    assert page.evaluate("() => window.live.send({ n: 42 })")
    page.wait_for_function("() => window.log.some((e) => e[0] === 'message' && e[1] === 42)")

    # Killed: the page retries with back-off (200 ms doubling to 800 ms, jittered), not in a
    # tight loop, and says each time that it is retrying.
    server.kill()
    page.wait_for_timeout(3000)
    failures = [entry for entry in entries(page, "close") if entry[1] != 0]
    assert all(entry[2] is True for entry in failures)
    # 3 s allow at most 1 + 2 + 4 + 4 + ... tries: the first at once, then after
    # 100–300, 200–600, 400–1200, 400–1200 ms...
    assert 2 <= len(failures) <= 10, failures

    # Back on the same port: the page reconnects by itself. This process turns its first
    # connection away with 4429, accepts the second and refuses the third for good (4403).
    page.evaluate("() => { window.log = []; }")
    server.start("4429,ok,4403")
    page.wait_for_function(
        "() => window.log.some((e) => e[0] === 'close' && e[1] === 4429)", timeout=10000
    )
    page.wait_for_function(
        "() => window.log.some((e) => e[0] === 'message' && e[1] === 2)", timeout=10000
    )
    turned_away = entries(page, "close")[-1][-1]
    reopened = [entry for entry in entries(page, "open")][-1][-1]
    assert reopened - turned_away >= 1500  # the 4429's own delay, not the back-off's 800 ms

    # restart(): the page drops a connection it cannot use; the next one is refused for good.
    page.evaluate("() => window.live.restart('test')")
    page.wait_for_function(
        "() => window.log.some((e) => e[0] === 'close' && e[1] === 4403)", timeout=10000
    )
    closes = entries(page, "close")
    assert [entry[1:3] for entry in closes[-2:]] == [[0, True], [4403, False]]
    opens = len(entries(page, "open"))
    page.wait_for_timeout(2000)
    assert len(entries(page, "open")) == opens  # no more tries after 4403
    assert page.evaluate("() => window.live.send({ n: 1 })") is False
