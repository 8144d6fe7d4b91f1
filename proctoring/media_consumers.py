"""WebRTC signalling of a candidate's live views, on the media process (``config.media_asgi``).

``/ws/media/attempts/<id>/view/<1|2>/``: the signed-in candidate of attempt ``id``, while the
attempt is in the steps before answering or answering, sends ``offer`` (the browser's SDP) and
trickled ``candidate`` messages; the server answers with ``answer``. The server peer receives the
view's video (sampled into the vision workers) and audio (drained until audio detection reads it).
The proctor room is told when the view connects and when it is lost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from typing import Any

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaBlackhole
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from core import ratelimit
from exams import statuses
from exams.models import Attempt
from proctoring import events, media, sampling

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_TOO_MANY = 4429
MAX_MESSAGES_PER_10S = 60  # an offer and a few dozen trickled candidates per (re)connection
MAX_CONNECTS_PER_MINUTE = 30
MAX_SDP_CHARS = 20_000
MAX_CANDIDATE_CHARS = 500


class ViewSignallingConsumer(AsyncJsonWebsocketConsumer):
    attempt_id: int
    view: int
    room_id: int | None = None
    pc: RTCPeerConnection | None = None
    connected = False

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.attempt_id, self.view = int(kwargs["attempt_id"]), int(kwargs["view"])
        self._window_start, self._window_count = time.monotonic(), 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sinks: list[MediaBlackhole] = []
        self._sampling = False
        self.room_id = await self._room_of_own_attempt()
        if self.room_id is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if not await database_sync_to_async(ratelimit.hit)(
            "media-connect", str(self.scope["user"].pk), limit=MAX_CONNECTS_PER_MINUTE
        ):
            await self.close(code=CLOSE_TOO_MANY)
            return
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for task in list(getattr(self, "_tasks", ())):
            task.cancel()
        for sink in getattr(self, "_sinks", ()):
            await sink.stop()
        if self.pc is not None:
            await self.pc.close()
            self.pc = None
        await self._set_connected(False)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self._within_rate():
            await self.close(code=CLOSE_TOO_MANY)
            return
        try:
            message = json.loads(text_data or "")
        except ValueError:
            await self._error("bad_json")
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "offer":
            await self._offer(message)
        elif kind == "candidate":
            await self._candidate(message)
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self._error("unknown_type")

    async def _offer(self, message: dict[str, Any]) -> None:
        sdp = message.get("sdp")
        if not isinstance(sdp, str) or not sdp.startswith("v=0") or len(sdp) > MAX_SDP_CHARS:
            await self._error("bad_sdp")
            return
        if self.pc is not None:
            await self._error("already_offered")  # a new connection renegotiates from scratch
            return
        pc = media.new_peer()
        pc.on("track", self._on_track)
        pc.on("connectionstatechange", lambda: self._on_state(pc))
        try:
            await pc.setRemoteDescription(RTCSessionDescription(media.allowed_sdp(sdp), "offer"))
            if not any(t.kind == "video" for t in pc.getTransceivers()):
                raise ValueError("the offer carries no video")
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc raises many kinds on malformed SDP; none may escape
            logger.info("offer refused for attempt %s view %s: %s", self.attempt_id, self.view, exc)
            await pc.close()
            await self._error("bad_sdp")
            return
        self.pc = pc
        await self.send_json({"type": "answer", "sdp": pc.localDescription.sdp})

    async def _candidate(self, message: dict[str, Any]) -> None:
        line, mid, index = (
            message.get("candidate"),
            message.get("sdpMid"),
            message.get("sdpMLineIndex"),
        )
        if (
            self.pc is None
            or not isinstance(line, str)
            or len(line) > MAX_CANDIDATE_CHARS
            or not (mid is None or isinstance(mid, str))
            or not (index is None or (isinstance(index, int) and 0 <= index < 16))
        ):
            await self._error("bad_candidate")
            return
        if not line:  # end of candidates
            return
        try:
            candidate = media.parse_candidate(line, mid, index)
            if candidate is not None:
                await self.pc.addIceCandidate(candidate)
        except ValueError:
            await self._error("bad_candidate")

    def _on_track(self, track: MediaStreamTrack) -> None:
        # Every track is consumed (pitfall 5): the first video by the sampler, the rest drained.
        if track.kind == "video" and not self._sampling:
            self._sampling = True
            self._spawn(media.sample(track, settings.WEBRTC_SAMPLE_EVERY_SECONDS, self._store))
        else:
            sink = media.drain(track)
            self._sinks.append(sink)
            self._spawn(sink.start())

    def _on_state(self, pc: RTCPeerConnection) -> None:
        state = pc.connectionState
        if state == "connected":
            self._spawn(self._set_connected(True))
        elif state in ("failed", "closed"):
            self._spawn(self._set_connected(False))

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _store(self, jpeg: bytes, captured_at: dt.datetime) -> int | None:
        return await database_sync_to_async(sampling.store_frame)(
            self.attempt_id, self.view, jpeg, captured_at
        )

    async def _set_connected(self, connected: bool) -> None:
        if connected == self.connected or self.room_id is None:
            return
        self.connected = connected
        message: events.ViewChanged = {
            "type": "view.changed",
            "attempt": self.attempt_id,
            "view": self.view,
            "connected": connected,
        }
        try:
            await self.channel_layer.group_send(events.room_group(self.room_id), message)
        except Exception:  # events are notifications only: a lost one never breaks the media
            logger.exception("view event for attempt %s not published", self.attempt_id)
        if connected:
            await self.send_json({"type": "connected"})

    async def _error(self, code: str) -> None:
        await self.send_json({"type": "error", "code": code})

    def _within_rate(self) -> bool:
        now = time.monotonic()
        if now - self._window_start > 10:
            self._window_start, self._window_count = now, 0
        self._window_count += 1
        return self._window_count <= MAX_MESSAGES_PER_10S

    @database_sync_to_async
    def _room_of_own_attempt(self) -> int | None:
        """The room of the attempt when the signed-in candidate owns it and it is live."""
        user: Any = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        attempt = (
            Attempt.objects.of_candidate(user)
            .filter(pk=self.attempt_id, status__in=statuses.STEPS)
            .values_list("registration__room_id", flat=True)
            .first()
        )
        return attempt
