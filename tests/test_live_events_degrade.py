"""Live events fail open (``core.live.send``): a Redis that refuses connections pauses them at
once, a Redis that stopped answering pauses them after two time-outs in a row, and one slow send
on a loaded machine pauses nothing (it would silence every console of the process for seconds).
Both Redis servers here are real sockets on loopback: one port nobody listens on, one listener
that never answers."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from config.settings.base import redis_channel_layer
from core import live


@pytest.fixture
def fresh_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "_paused_until", 0.0)
    monkeypatch.setattr(live, "_timed_out_last", False, raising=False)


@pytest.fixture
def silent_redis() -> Iterator[int]:
    """A listener whose connections complete (the kernel's backlog) but are never answered."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener.getsockname()[1]
    listener.close()


def paused() -> bool:
    return time.monotonic() < live._paused_until


def test_a_refused_connection_pauses_live_events_at_once(settings, fresh_pause: None) -> None:
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer("redis://127.0.0.1:9/0", "gone")}
    assert live.send("room.1", {"type": "attempt.changed"}) is False
    assert paused()
    started = time.monotonic()
    assert live.send("room.1", {"type": "attempt.changed"}) is False  # skipped, not tried
    assert time.monotonic() - started < 0.1


def test_one_slow_send_pauses_nothing_but_two_in_a_row_do(
    settings, fresh_pause: None, silent_redis: int
) -> None:
    url = f"redis://127.0.0.1:{silent_redis}/0"
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(url, "silent")}
    started = time.monotonic()
    assert live.send("room.1", {"type": "attempt.changed"}) is False
    assert live.SEND_TIMEOUT_SECONDS <= time.monotonic() - started < live.SEND_TIMEOUT_SECONDS + 2
    assert not paused()
    assert live.send("room.1", {"type": "attempt.changed"}) is False
    assert paused()


def test_a_send_that_succeeds_clears_the_time_out_before_it(
    settings, fresh_pause: None, silent_redis: int
) -> None:
    url = f"redis://127.0.0.1:{silent_redis}/0"
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(url, "silent")}
    assert live.send("room.1", {"type": "attempt.changed"}) is False
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(settings.REDIS_URL, "proctor-test")}
    assert live.send("room.1", {"type": "attempt.changed"}) is True
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(url, "silent")}
    assert live.send("room.1", {"type": "attempt.changed"}) is False
    assert not paused()
