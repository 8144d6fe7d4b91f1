"""What every WebRTC signalling socket of the media process shares: the candidate's views
(``consumers``) and the proctor's focus (``focus``).

A JSON message per frame, ``{"type": …}``; a flood closes the socket (4429), a malformed message
gets ``{"type": "error", "code": …}`` and the socket stays open; trickled ICE candidates are
checked before aiortc sees them; every received track is consumed (an unread track's queue
grows without bound in aiortc) and
every task this socket spawned ends with it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeGuard

from aiortc import MediaStreamTrack, RTCPeerConnection
from aiortc.contrib.media import MediaBlackhole
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core import ratelimit
from proctoring.media import peers

# Close codes in the 4000 range are the application's own (RFC 6455).
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_MANY = 4429
# The attempt left the exam (submitted, ended by a proctor): the page stops and says so.
CLOSE_ENDED = 4000
MAX_CONNECTS_PER_MINUTE = 30
MAX_MESSAGES_PER_10S = 60  # an offer and a few dozen trickled candidates per (re)connection
MAX_SDP_CHARS = 20_000
MAX_CANDIDATE_CHARS = 500

Handler = Callable[[dict[str, Any]], Awaitable[None]]


def valid_sdp(sdp: Any) -> TypeGuard[str]:
    """Whether the page sent an SDP worth parsing (the aiortc and the Janus sockets alike)."""
    return isinstance(sdp, str) and sdp.startswith("v=0") and len(sdp) <= MAX_SDP_CHARS


def candidate_fields(message: dict[str, Any]) -> tuple[str, str | None, int | None]:
    """A trickled candidate's line (empty: end of candidates), ``sdpMid`` and ``sdpMLineIndex``;
    ValueError when any is malformed."""
    line, mid, index = message.get("candidate"), message.get("sdpMid"), message.get("sdpMLineIndex")
    if (
        not isinstance(line, str)
        or len(line) > MAX_CANDIDATE_CHARS
        or not (mid is None or isinstance(mid, str))
        or not (index is None or (isinstance(index, int) and 0 <= index < 16))
    ):
        raise ValueError("malformed candidate")
    return line, mid, index


class PeerSignallingConsumer(AsyncJsonWebsocketConsumer):
    """A signalling socket that owns at most one server peer (``pc``)."""

    pc: RTCPeerConnection | None = None

    def start_signalling(self) -> None:
        """Call first in ``connect``: the rate window, the tasks and sinks to end later."""
        self._messages = ratelimit.MessageWindow(MAX_MESSAGES_PER_10S)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sinks: list[MediaBlackhole] = []

    def handlers(self) -> dict[str, Handler]:
        """The message types this socket takes besides ``ping``; subclasses add theirs."""
        return {"offer": self._offer, "candidate": self._candidate}

    async def _offer(self, message: dict[str, Any]) -> None:
        raise NotImplementedError

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self._messages.allow():
            await self.close(code=CLOSE_TOO_MANY)
            return
        try:
            message = json.loads(text_data or "")
        except ValueError:
            await self._error("bad_json")
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
            return
        handler = self.handlers().get(kind) if isinstance(kind, str) else None
        if handler is None:
            await self._error("unknown_type")
            return
        await handler(message)

    async def _candidate(self, message: dict[str, Any]) -> None:
        try:
            if self.pc is None:
                raise ValueError("no peer to trickle into")
            line, mid, index = candidate_fields(message)
            if not line:  # end of candidates
                return
            candidate = peers.parse_candidate(line, mid, index)
            if candidate is not None:
                await self.pc.addIceCandidate(candidate)
        except ValueError:
            await self._error("bad_candidate")

    def _drain(self, track: MediaStreamTrack) -> None:
        sink = peers.drain(track)
        self._sinks.append(sink)
        self._spawn(sink.start())

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def end_signalling(self) -> None:
        """Call in ``disconnect``: every spawned task, sink and the peer end here (also when
        ``connect`` refused before ``start_signalling`` ran to the end)."""
        for task in list(getattr(self, "_tasks", ())):
            task.cancel()
        for sink in getattr(self, "_sinks", ()):
            await sink.stop()
        if self.pc is not None:
            await self.pc.close()
            self.pc = None

    async def _error(self, code: str) -> None:
        await self.send_json({"type": "error", "code": code})
