"""A real TURN server for tests: Debian's coturn (``turnserver``, installed by
bin/install-system-packages) on loopback, with coturn's REST-API authentication
(``use-auth-secret``), the scheme ``proctoring.ice`` derives credentials for. Only for tests run
inside bin/in-loopback-netns: the server listens and relays on 127.0.0.1 only and is allowed
loopback peers, which a real deployment never allows."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

SECRET = "test-turn-secret-not-used-anywhere-else"  # a test server's secret only
REALM = "proctor.test"


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Coturn:
    def __init__(self, directory: Path) -> None:
        self.port = _free_udp_port()
        self.log = directory / "turnserver.log"
        self.url = f"turn:127.0.0.1:{self.port}?transport=udp"
        self.process: subprocess.Popen[bytes] | None = None
        self.directory = directory

    def start(self) -> None:
        binary = shutil.which("turnserver")
        if binary is None:
            pytest.fail("coturn's turnserver is missing: run bin/install-system-packages.")
        relay_from = 49152 + self.port % 1000 * 10  # a small range of its own per test run
        self.process = subprocess.Popen(
            [
                binary,
                "-n",  # no /etc/turnserver.conf: everything is on this command line
                "--use-auth-secret",
                f"--static-auth-secret={SECRET}",
                f"--realm={REALM}",
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                f"--listening-port={self.port}",
                f"--min-port={relay_from}",
                f"--max-port={relay_from + 9}",
                "--no-tls",
                "--no-dtls",
                "--no-tcp",  # UDP only: the relay the pages use
                "--allow-loopback-peers",
                "--no-cli",
                f"--db={self.directory / 'turndb'}",
                f"--pidfile={self.directory / 'turnserver.pid'}",
                f"--log-file={self.log}",
                "--simple-log",
                "--verbose",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"turnserver exited: {self.text()[-2000:]}")
            if "UDP listener opened on" in self.text():
                return
            time.sleep(0.1)
        raise RuntimeError(f"turnserver did not come up: {self.text()[-2000:]}")

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def allocated_usernames(self) -> set[str]:
        """The users a relay was allocated for (coturn's verbose log: ``user <name>: incoming
        packet ALLOCATE processed, success``)."""
        return set(
            re.findall(r"user <([^>]+)>: incoming packet ALLOCATE processed, success", self.text())
        )

    def channel_users(self) -> set[str]:
        """The users whose relay was bound to a peer to carry data (``CHANNEL_BIND``)."""
        return set(
            re.findall(
                r"user <([^>]+)>: incoming packet CHANNEL_BIND processed, success", self.text()
            )
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
