"""WebRTC signalling of a candidate's live views, on the media process (``config.media_asgi``).

``/ws/media/attempts/<id>/view/<1|2>/``: for view 1 the signed-in candidate of attempt ``id``,
for view 2 the phone whose session the QR link paired with it (``proctoring.pairing``), while the
attempt is in the steps before answering or answering, sends ``offer`` (the browser's SDP) and
trickled ``candidate`` messages; the server answers with ``answer``. The server peer receives the
view's video and audio; each source track is read through the view's relay (``live``):
one reader of the video stores evidence samples for the vision workers and sends the room's grid a
thumbnail every ``WEBRTC_THUMBNAIL_EVERY_SECONDS``, the audio goes to audio detection, and a
proctor's focus peer (``focus``) subscribes to both while it is open. The room is
told when the view connects and when it is lost. Server → page messages besides the signalling:
``{"type": "focus", "on": bool}`` (a proctor opened or closed the attempt in focus: the page lifts
its frame-rate cap while on) and, for view 1, ``{"type": "talk", "on": bool}`` (the proctor's
voice plays on the answer's audio track, pre-negotiated as sendrecv, while on).
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from typing import Any

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from channels.db import database_sync_to_async
from django.conf import settings

from core import ratelimit
from exams import statuses
from exams.models import Attempt
from proctoring import events, pairing, view_states
from proctoring.media import audio_sampling, live, peers, sampling
from proctoring.media.signalling import (
    CLOSE_ENDED,
    CLOSE_FORBIDDEN,
    CLOSE_TOO_MANY,
    MAX_CONNECTS_PER_MINUTE,
    PeerSignallingConsumer,
    valid_sdp,
)

logger = logging.getLogger(__name__)


class ViewSignallingConsumer(PeerSignallingConsumer):
    attempt_id: int
    view: int
    room_id: int | None = None
    connected = False
    _pairing_id: int | None = None  # view 2: the phone's pairing (a newer phone replaces it)
    live_view: live.LiveView | None = None  # this peer's tracks, once it answered an offer
    _ended = False  # closed because the attempt left the exam

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.attempt_id, self.view = int(kwargs["attempt_id"]), int(kwargs["view"])
        self.start_signalling()
        self.room_id = await self._room_of_own_attempt()
        if self.room_id is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # A phone has no user: its connects are counted per attempt's view 2.
        who = str(self.scope["user"].pk) if self.view == 1 else f"phone:{self.attempt_id}"
        if not await database_sync_to_async(ratelimit.hit)(
            "media-connect", who, limit=MAX_CONNECTS_PER_MINUTE, fail_open=True
        ):
            await self.close(code=CLOSE_TOO_MANY)
            return
        if self._pairing_id is not None:
            await self.channel_layer.group_add(
                pairing.phone_group(self.attempt_id), self.channel_name
            )
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self._pairing_id is not None:
            await self.channel_layer.group_discard(
                pairing.phone_group(self.attempt_id), self.channel_name
            )
        if self.live_view is not None:
            await live.remove_view(self.live_view)
        await self.end_signalling()
        await self._set_connected(False)

    async def _offer(self, message: dict[str, Any]) -> None:
        sdp = message.get("sdp")
        if not valid_sdp(sdp):
            await self._error("bad_sdp")
            return
        if self.pc is not None:
            await self._error("already_offered")  # a new connection renegotiates from scratch
            return
        pc = peers.new_peer()
        view = live.LiveView(self.attempt_id, self.view, self.send_json)
        pc.on("track", lambda track: self._on_track(view, track))
        pc.on("connectionstatechange", lambda: self._on_state(pc))
        try:
            offer = peers.receive_only_sdp(peers.allowed_sdp(sdp))
            await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
            if not any(t.kind == "video" for t in pc.getTransceivers()):
                raise ValueError("the offer carries no video")
            if self.view == 1 and any(t.kind == "audio" for t in pc.getTransceivers()):
                # The proctor's voice: negotiated now (the answer's audio is sendrecv) so talking
                # later needs no renegotiation; the track sends nothing until a proctor talks.
                view.talk = peers.SwitchTrack("audio")
                pc.addTrack(view.talk)
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc raises many kinds on malformed SDP; none may escape
            logger.info("offer refused for attempt %s view %s: %s", self.attempt_id, self.view, exc)
            await pc.close()
            await self._error("bad_sdp")
            return
        self.pc = pc
        await self.send_json(
            {"type": "answer", "sdp": peers.with_opus_dtx(pc.localDescription.sdp)}
        )
        self.live_view = view
        await live.add_view(view)  # after the answer: a "focus" or "talk" message follows it

    def _on_track(self, view: live.LiveView, track: MediaStreamTrack) -> None:
        # Every track is consumed (pitfall 5). The view's first video and first audio are read
        # through its relay, so a focus peer can subscribe to them too; any other track (an
        # offer with two cameras) is drained.
        if track.kind == "video" and view.video is None:
            view.video = track
            reader = view.relay.subscribe(track, buffered=False)  # the latest frame is enough
            self._spawn(
                peers.reading(
                    reader,
                    peers.read_video(
                        reader,
                        sample_every=settings.WEBRTC_SAMPLE_EVERY_SECONDS,
                        store=self._store,
                        thumbnail_every=settings.WEBRTC_THUMBNAIL_EVERY_SECONDS,
                        thumbnail=self._thumbnail,
                    ),
                )
            )
        elif track.kind == "audio" and view.audio is None:
            view.audio = track
            # Buffered: audio detection needs every frame, and it reads them all.
            self._consume_audio(view.relay.subscribe(track, buffered=True))
        else:
            self._drain(track)

    def _consume_audio(self, track: MediaStreamTrack) -> None:
        """The one reader of the view's audio (a relay proxy: the focus reads its own)."""
        if self.view == 1:
            # The computer's microphone goes to voice detection (audio_sampling reads it all).
            self._spawn(
                peers.reading(track, audio_sampling.listen_to_attempt(track, self.attempt_id))
            )
        else:
            self._drain(track)

    def _on_state(self, pc: RTCPeerConnection) -> None:
        state = pc.connectionState
        if state == "connected":
            self._spawn(self._set_connected(True))
        elif state in ("failed", "closed"):
            self._spawn(self._set_connected(False))

    async def _store(self, jpeg: bytes, captured_at: dt.datetime) -> int | None:
        # Not on the consumers' one shared database thread (thread_sensitive=False): with many
        # views, frames queued behind each other's writes there and delayed view-state writes
        # and disconnects; store_frame is self-contained (its own transaction).
        stored = await database_sync_to_async(sampling.store_frame, thread_sensitive=False)(
            self.attempt_id, self.view, jpeg, captured_at
        )
        if stored is None and not self._ended:
            self._ended = True
            # The attempt left the exam (store_frame keeps nothing then): the camera is no
            # longer watched, so the page must stop saying it is (the phone page says the exam
            # ended); closing also records the view as gone for the room's tile.
            await self.close(code=CLOSE_ENDED)
        return stored

    async def _thumbnail(self, jpeg: bytes, captured_at: dt.datetime) -> None:
        if self.room_id is None:
            return
        message: events.ViewThumbnail = {
            "type": "view.thumbnail",
            "attempt": self.attempt_id,
            "view": self.view,
            "jpeg": base64.b64encode(jpeg).decode("ascii"),
            "at": captured_at.isoformat(),
        }
        await self.channel_layer.group_send(events.room_group(self.room_id), dict(message))

    async def _set_connected(self, connected: bool) -> None:
        if connected == self.connected or self.room_id is None:
            return
        self.connected = connected
        try:
            # Stored (the console's snapshot reads it), published only on a real change, and
            # the phone's loss while answering raises an alert (view_states.record_view_state).
            await database_sync_to_async(view_states.record_view_state)(
                self.attempt_id, self.view, connected, media_process=settings.MEDIA_PROCESS_ID
            )
        except Exception:  # view state is a notification: its failure never breaks the media
            logger.exception("view state of attempt %s not recorded", self.attempt_id)
        if connected and self.view == 2:
            try:  # the phone's picture arrived: the flow's second-view step is done
                await database_sync_to_async(pairing.view_two_connected)(self.attempt_id)
            except Exception:
                logger.exception("second view step of attempt %s not taken", self.attempt_id)
        if connected:
            await self.send_json({"type": "connected"})

    async def phone_replaced(self, event: dict[str, Any]) -> None:
        """Another phone used a newer code for this attempt: this one stops (view2.js says so)."""
        if event.get("pairing") != self._pairing_id:
            await self.close(code=pairing.CLOSE_REPLACED)

    @database_sync_to_async
    def _room_of_own_attempt(self) -> int | None:
        """The room of the attempt when it is live and, for view 1, the signed-in candidate owns
        it, for view 2, this browser's session was paired with it by the phone link. A candidate's
        sign-in alone never opens view 2 (the second camera must be a device paired on purpose,
        not a second stream from the exam computer), and a phone's pairing never opens view 1."""
        if self.view == 2:
            paired = pairing.phone_pairing(self.scope.get("session"))
            if paired is None or paired.attempt_id != self.attempt_id:
                return None
            self._pairing_id = paired.pk
            return (
                Attempt.objects.filter(pk=self.attempt_id, status__in=statuses.STEPS)
                .values_list("registration__room_id", flat=True)
                .first()
            )
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
