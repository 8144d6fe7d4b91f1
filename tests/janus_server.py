"""A real Janus for tests: Debian's ``janus`` (installed by bin/install-system-packages), started
privately on loopback with a configuration folder generated for the test and killed at teardown.

Only the VideoRoom plugin and the HTTP transport are loaded; the client API and the admin API
listen on 127.0.0.1 only, on free ports; token authentication is on (``token_auth``), so every
request needs a token the platform added through the admin API (with the admin secret), exactly
as in production.

ICE is confined to loopback (WEBRTC-NOTES pitfall 2), with one twist: Janus gathers host candidates
only on interfaces that are not flagged loopback (its ``janus_ice_setup_local`` skips
``IFF_LOOPBACK``), so on ``lo`` alone it has no candidate at all ("Error setting ICE locally").
Inside bin/in-loopback-netns the fixture therefore adds a veth pair to the test's own namespace
and gives one end ``127.0.0.2/32``: still a loopback address, delivered locally, never leaving the
namespace, but on an interface Janus accepts; Janus is told to use that address and nothing else
(``ice_enforce_list``). Outside such a namespace the fixture refuses to touch the machine's network.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ICE_ADDRESS = "127.0.0.2"  # Janus' host candidates (see above)
ICE_INTERFACE = "janus-lo0"
START_TIMEOUT_SECONDS = 15
STOP_TIMEOUT_SECONDS = 10


def _free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _library_dir() -> Path:
    """Where Debian put Janus' plugins (the multiarch directory of this machine)."""
    for candidate in sorted(Path("/usr/lib").glob("*/janus/plugins")):
        return candidate.parent
    pytest.fail("Janus' plugins are missing: run bin/install-system-packages.")


def _loopback_interface() -> None:
    """Give Janus an interface it accepts for ICE: a veth pair inside the test's namespace, one
    end with ``ICE_ADDRESS`` (idempotent: the namespace lives as long as the test run)."""
    if os.environ.get("PROCTOR_IN_NETNS") != "1":
        pytest.fail("Janus tests change the network namespace: run them in bin/in-loopback-netns.")
    ip = shutil.which("ip")
    if ip is None:
        pytest.fail("iproute2 is missing: run bin/install-system-packages.")
    if subprocess.run(
        [ip, "link", "show", ICE_INTERFACE], capture_output=True, timeout=5
    ).returncode:
        for command in (
            ["link", "add", ICE_INTERFACE, "type", "veth", "peer", "name", ICE_INTERFACE + "p"],
            ["addr", "add", f"{ICE_ADDRESS}/32", "dev", ICE_INTERFACE],
            ["link", "set", ICE_INTERFACE + "p", "up"],
            ["link", "set", ICE_INTERFACE, "up"],
        ):
            done = subprocess.run([ip, *command], capture_output=True, text=True, timeout=5)
            if done.returncode:
                pytest.fail(f"ip {' '.join(command)} failed: {done.stderr.strip()}")


def _others(folder: Path, keep: str) -> str:
    """Every shared library in ``folder`` but ``keep``: Janus loads all it finds unless told."""
    names = sorted(p.name for p in folder.glob("libjanus_*.so"))
    return ",".join(name for name in names if name != keep)


class JanusServer:
    """One Janus process; ``url`` and ``admin_url`` are its HTTP client and admin endpoints."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_tcp_port()
        self.admin_port = _free_tcp_port()
        self.url = f"http://127.0.0.1:{self.port}/janus"
        self.admin_url = f"http://127.0.0.1:{self.admin_port}/admin"
        self.admin_secret = secrets.token_urlsafe(24)  # this run's only
        self.room_admin_key = secrets.token_urlsafe(24)  # needed to create a VideoRoom room
        self.log = directory / "janus.log"
        self.process: subprocess.Popen[bytes] | None = None
        # The RTP ports of its peers: a small range of its own per run.
        self.rtp_from = 20000 + self.port % 1000 * 20

    def write_config(self) -> Path:
        library = _library_dir()
        configs = self.directory / "config"
        configs.mkdir(exist_ok=True)
        (configs / "janus.jcfg").write_text(
            f"""general: {{
    configs_folder = "{configs}"
    plugins_folder = "{library / "plugins"}"
    transports_folder = "{library / "transports"}"
    events_folder = "{library / "events"}"
    loggers_folder = "{library / "loggers"}"
    log_to_stdout = false
    log_to_file = "{self.log}"
    debug_level = 4
    admin_secret = "{self.admin_secret}"
    token_auth = true
    session_timeout = 30
    server_name = "proctor-test-janus"
    protected_folders = ["/bin", "/boot", "/dev", "/etc", "/initrd", "/lib", "/lib32", "/lib64",
        "/proc", "/sbin", "/sys", "/usr", "/var"]
}}
certificates: {{
}}
media: {{
    rtp_port_range = "{self.rtp_from}-{self.rtp_from + 19}"
    ipv6 = false
}}
nat: {{
    nice_debug = false
    ignore_mdns = true
    ice_enforce_list = "{ICE_ADDRESS}"
}}
plugins: {{
    disable = "{_others(library / "plugins", "libjanus_videoroom.so")}"
}}
transports: {{
    disable = "{_others(library / "transports", "libjanus_http.so")}"
}}
loggers: {{
    disable = "{_others(library / "loggers", "")}"
}}
events: {{
    broadcast = false
    disable = "{_others(library / "events", "")}"
}}
"""
        )
        (configs / "janus.transport.http.jcfg").write_text(
            f"""general: {{
    json = "compact"
    base_path = "/janus"
    http = true
    ip = "127.0.0.1"
    port = {self.port}
    https = false
}}
admin: {{
    admin_base_path = "/admin"
    admin_http = true
    admin_ip = "127.0.0.1"
    admin_port = {self.admin_port}
    admin_https = false
}}
cors: {{
}}
"""
        )
        # No static rooms: every room is made by the platform (only it has the admin key),
        # private, with a secret and a pin.
        (configs / "janus.plugin.videoroom.jcfg").write_text(
            f'general: {{\n    admin_key = "{self.room_admin_key}"\n}}\n'
        )
        return configs

    def start(self) -> None:
        binary = shutil.which("janus")
        if binary is None:
            pytest.fail("janus is missing: run bin/install-system-packages.")
        _loopback_interface()
        configs = self.write_config()
        self.process = subprocess.Popen(
            [binary, "-C", str(configs / "janus.jcfg"), "-F", str(configs)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            cwd=self.directory,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"janus exited: {self.text()[-3000:]}")
            if self._answers():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"janus did not answer in {START_TIMEOUT_SECONDS} s: {self.text()[-3000:]}"
        )

    def _answers(self) -> bool:
        """Whether the admin API answers a ``ping`` (the client API then is up as well)."""
        body = json.dumps(
            {"janus": "ping", "transaction": "up", "admin_secret": self.admin_secret}
        ).encode()
        request = urllib.request.Request(  # noqa: S310  (our own loopback URL)
            self.admin_url, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=1) as response:  # noqa: S310  (loopback)
                return json.loads(response.read()).get("janus") == "pong"
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
