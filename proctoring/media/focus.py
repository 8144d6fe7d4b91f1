"""A proctor's focus on one candidate, on the media process (``config.media_asgi``).

``/ws/media/focus/<attempt_id>/``: staff who may watch the attempt's room
(``Room.objects.visible_to``), while the attempt is live. The page (``static/js/focus.js``)
offers four m-lines, in this order:

==  =====  ========  ==========================================================================
0   video  recvonly  view 1, the computer's camera
1   audio  sendrecv  view 1's microphone to the proctor; the proctor's microphone while talking
2   video  recvonly  view 2, the phone's camera
3   audio  recvonly  view 2's microphone
==  =====  ========  ==========================================================================

(trailing ones may be left out). The server answers with one sender on each: a
``peers.SwitchTrack`` that forwards the view's relayed track (``live``) while the view
is live, and waits without a cost while it is not, so a view that connects or reconnects after the
focus opened simply starts flowing: nothing is renegotiated. The video is re-encoded here (VP8 at
full rate): the one place the server encodes video, for the few candidates a proctor has in focus
(re-encoding costs 20–30 % of a core per stream). The candidate's senders are told to lift
their frame-rate cap while a focus is open.

Page → server: ``offer``, ``candidate``, ``talk`` (``{"on": bool}``: the proctor's microphone,
sent on m-line 1 with ``replaceTrack`` in the browser, is relayed to the candidate's view-1 page
while on), ``ping``. Server → page: ``answer``, ``connected``, ``views`` (``{"views": {"1": bool,
"2": bool}}`` on every change), ``talk`` (``{"on": bool, "heard": bool}``: whether view 1 is live
to play it), ``error``, ``pong``.
"""

from __future__ import annotations

import logging
from typing import Any

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from channels.db import database_sync_to_async

from audit.services import record
from centres.models import Room
from core import ratelimit
from exams import statuses
from exams.models import Attempt
from proctoring.media import live, peers
from proctoring.media.signalling import (
    CLOSE_FORBIDDEN,
    CLOSE_TOO_MANY,
    MAX_CONNECTS_PER_MINUTE,
    MAX_SDP_CHARS,
    Handler,
    PeerSignallingConsumer,
)

logger = logging.getLogger(__name__)

VIEWS = (1, 2)
LAYOUT = ("video", "audio", "video", "audio")  # the m-lines of the page's offer, in order


class FocusSignallingConsumer(PeerSignallingConsumer):
    attempt_id: int
    room_id: int | None = None
    opened = False  # registered with proctoring.media.live

    async def connect(self) -> None:
        self.attempt_id = int(self.scope["url_route"]["kwargs"]["attempt_id"])
        self.start_signalling()
        self._slots: dict[tuple[int, str], peers.SwitchTrack] = {}
        self._voice_source: MediaStreamTrack | None = None
        self._voice_relay = MediaRelay()
        self.room_id = await self._room_if_may_watch()
        if self.room_id is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if not await database_sync_to_async(ratelimit.hit)(
            "media-focus-connect",
            str(self.scope["user"].pk),
            limit=MAX_CONNECTS_PER_MINUTE,
            fail_open=True,
        ):
            await self.close(code=CLOSE_TOO_MANY)
            return
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.opened:
            self.opened = False
            await live.close_focus(self.attempt_id, self)
        for slot in getattr(self, "_slots", {}).values():
            slot.stop()
        await self.end_signalling()

    def handlers(self) -> dict[str, Handler]:
        return {**super().handlers(), "talk": self._talk}

    # --- live.Focus --------------------------------------------------------------------------

    def view_changed(self, view: int, live_view: live.LiveView | None) -> None:
        for kind in ("video", "audio"):
            slot = self._slots.get((view, kind))
            if slot is not None:
                slot.switch(live_view.subscribe(kind) if live_view is not None else None)
        self._spawn(self._send_views())

    def voice(self) -> MediaStreamTrack | None:
        if self._voice_source is None:
            return None
        return self._voice_relay.subscribe(self._voice_source, buffered=False)

    async def notify(self, message: dict[str, Any]) -> None:
        await self.send_json(message)

    # --- signalling -------------------------------------------------------------------------

    async def _offer(self, message: dict[str, Any]) -> None:
        sdp = message.get("sdp")
        if not isinstance(sdp, str) or not sdp.startswith("v=0") or len(sdp) > MAX_SDP_CHARS:
            await self._error("bad_sdp")
            return
        if self.pc is not None:
            await self._error("already_offered")  # a new focus opens a new socket
            return
        pc = peers.new_peer()
        pc.on("track", self._on_track)
        pc.on("connectionstatechange", lambda: self._on_state(pc))
        slots: dict[tuple[int, str], peers.SwitchTrack] = {}
        try:
            await pc.setRemoteDescription(RTCSessionDescription(peers.allowed_sdp(sdp), "offer"))
            transceivers = pc.getTransceivers()
            kinds = tuple(t.kind for t in transceivers)
            if not kinds or kinds != LAYOUT[: len(kinds)]:
                raise ValueError(f"unexpected m-lines {kinds}")
            for index, transceiver in enumerate(transceivers):
                view, kind = VIEWS[index // 2], transceiver.kind
                slot = slots[(view, kind)] = peers.SwitchTrack(kind)
                transceiver.sender.replaceTrack(slot)
                # Receive only where the page sends: the proctor's microphone on m-line 1.
                transceiver.direction = "sendrecv" if index == 1 else "sendonly"
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc raises many kinds on malformed SDP; none may escape
            logger.info("focus offer refused for attempt %s: %s", self.attempt_id, exc)
            for slot in slots.values():
                slot.stop()
            await pc.close()
            await self._error("bad_sdp")
            return
        self.pc, self._slots = pc, slots
        await self.send_json({"type": "answer", "sdp": pc.localDescription.sdp})
        self.opened = True
        await live.open_focus(self.attempt_id, self)
        await self._send_views()
        self._spawn(self._audit("proctoring.focus_opened"))

    async def _talk(self, message: dict[str, Any]) -> None:
        on = message.get("on")
        if not isinstance(on, bool):
            await self._error("bad_talk")
            return
        if not self.opened:
            await self._error("not_open")
            return
        heard = await live.set_talk(self.attempt_id, self, on)
        await self.send_json({"type": "talk", "on": on, "heard": heard})
        if on:
            self._spawn(self._audit("proctoring.talk_started"))

    def _on_track(self, track: MediaStreamTrack) -> None:
        # Every received track is consumed (pitfall 5): the proctor's microphone through a relay
        # (drained always; the candidate's view 1 subscribes while talking), anything else
        # drained. While the page sends no microphone, nothing arrives and nothing runs.
        if track.kind == "audio" and self._voice_source is None:
            self._voice_source = track
            self._drain(self._voice_relay.subscribe(track, buffered=False))
        else:
            self._drain(track)

    def _on_state(self, pc: RTCPeerConnection) -> None:
        if pc.connectionState == "connected":
            self._spawn(self.send_json({"type": "connected"}))

    async def _send_views(self) -> None:
        views = live.views_of(self.attempt_id)
        await self.send_json(
            {"type": "views", "views": {str(view): view in views for view in VIEWS}}
        )

    async def _audit(self, action: str) -> None:
        """Watching a candidate up close and speaking to them are audited (personal data)."""
        try:
            await database_sync_to_async(self._record)(action)
        except Exception:
            logger.exception("%s of attempt %s not audited", action, self.attempt_id)

    def _record(self, action: str) -> None:
        attempt = Attempt.objects.filter(pk=self.attempt_id).first()
        if attempt is not None:
            record(action, actor=self.scope["user"], target=attempt)

    @database_sync_to_async
    def _room_if_may_watch(self) -> int | None:
        """The attempt's room when the attempt is live and the signed-in member of staff may
        watch that room; None otherwise (a candidate may watch no room)."""
        user: Any = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        room_id = (
            Attempt.objects.filter(pk=self.attempt_id, status__in=statuses.STEPS)
            .values_list("registration__room_id", flat=True)
            .first()
        )
        if room_id is None or not Room.objects.visible_to(user).filter(pk=room_id).exists():
            return None
        return room_id
