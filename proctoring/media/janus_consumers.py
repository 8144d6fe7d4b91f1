"""The signalling sockets of the media process when ``MEDIA_BACKEND=janus``: the same URLs, the
same authorisation on connect as the aiortc ones (they are subclasses and keep ``connect``), but
the peer is Janus (``janus_backend``), not this process.

View (``/ws/media/attempts/<id>/view/<n>/``): the page's ``offer`` is published as the attempt's
own view into its exam room's Janus room; Janus' ``answer`` goes back; trickled ``candidate``s
are checked as for aiortc and relayed; the view is recorded connected on Janus' ``webrtcup`` and
lost on its ``hangup`` or when the socket ends. Anything the page adds to a message (a room, a
feed, a pin) is ignored: the platform derives them from the URL it authorised.

Focus (``/ws/media/focus/<id>/``): for staff who may watch the attempt's room, ``subscribe``
(``{"views": [1, 2]}``, default both) asks Janus for an offer of those views, sent to the page as
``offer``; the page's ``answer`` starts the media. Proctors receive the candidates' streams from
Janus directly: the server neither decodes nor re-encodes them.
"""

from __future__ import annotations

import logging
from typing import Any

from proctoring.media import janus_backend, peers
from proctoring.media.consumers import ViewSignallingConsumer
from proctoring.media.focus import FocusSignallingConsumer
from proctoring.media.janus_client import JanusError
from proctoring.media.signalling import Handler, candidate_fields, valid_sdp

logger = logging.getLogger(__name__)


def _trickled(message: dict[str, Any]) -> dict[str, Any] | None:
    """The page's trickled candidate as Janus takes it (``{"completed": true}`` for the end of
    candidates), or None for one on an address the settings exclude; ValueError when malformed.
    Checked exactly as for aiortc (``signalling.candidate_fields``, ``peers.parse_candidate``)."""
    line, mid, index = candidate_fields(message)
    if not line:
        return {"completed": True}
    if peers.parse_candidate(line, mid, index) is None:
        return None
    return janus_backend.candidate_for_janus(line, mid, index)


class JanusViewSignallingConsumer(ViewSignallingConsumer):
    janus: janus_backend.Connection | None = None

    async def disconnect(self, code: int) -> None:
        if self.janus is not None:
            await self.janus.close()
            self.janus = None
        await super().disconnect(code)

    async def _offer(self, message: dict[str, Any]) -> None:
        sdp = message.get("sdp")
        if not valid_sdp(sdp):
            await self._error("bad_sdp")
            return
        if self.janus is not None:
            await self._error("already_offered")  # a new connection renegotiates from scratch
            return
        assert self.room_id is not None  # connect refused the socket otherwise
        self.janus = janus_backend.Connection()
        try:
            answer = await janus_backend.publish(
                self.janus,
                self.room_id,
                self.attempt_id,
                self.view,
                peers.allowed_sdp(sdp),
                on_event=self._janus_event,
            )
        except JanusError as exc:
            logger.info("Janus refused attempt %s view %s: %s", self.attempt_id, self.view, exc)
            await self.janus.close()
            self.janus = None
            # Janus' refusal of the SDP and Janus away look alike to the page: it retries.
            await self._error("media_unavailable")
            return
        await self.send_json({"type": "answer", "sdp": answer})

    async def _candidate(self, message: dict[str, Any]) -> None:
        if self.janus is None or self.janus.handle is None:
            await self._error("bad_candidate")  # before the offer: nothing to trickle into
            return
        try:
            candidate = _trickled(message)
        except ValueError:
            await self._error("bad_candidate")
            return
        if candidate is None:  # an excluded address: dropped, as the aiortc sockets do
            return
        try:
            await self.janus.handle.trickle(candidate)
        except JanusError:
            await self._error("media_unavailable")

    async def _janus_event(self, event: dict[str, Any]) -> None:
        kind = event.get("janus")
        if kind == "webrtcup":
            await self._set_connected(True)
        elif kind in ("hangup", "lost"):
            await self._set_connected(False)


class JanusFocusSignallingConsumer(FocusSignallingConsumer):
    janus: janus_backend.Connection | None = None

    def handlers(self) -> dict[str, Handler]:
        return {"subscribe": self._subscribe, "answer": self._answer}

    async def disconnect(self, code: int) -> None:
        if self.janus is not None:
            await self.janus.close()
            self.janus = None
        await super().disconnect(code)

    async def _subscribe(self, message: dict[str, Any]) -> None:
        views = message.get("views", [1, 2])
        if (
            not isinstance(views, list)
            or not views
            or any(v not in janus_backend.VIEWS for v in views)
            or len(set(views)) != len(views)
        ):
            await self._error("bad_views")
            return
        if self.janus is not None:
            await self._error("already_subscribed")
            return
        assert self.room_id is not None  # connect refused the socket otherwise
        self.janus = janus_backend.Connection()
        try:
            offer = await janus_backend.subscribe(self.janus, self.room_id, self.attempt_id, views)
        except JanusError as exc:
            logger.info("Janus focus on attempt %s refused: %s", self.attempt_id, exc)
            await self.janus.close()
            self.janus = None
            await self._error("not_live")  # no such feed yet, or Janus away: the page retries
            return
        await self.send_json({"type": "offer", "sdp": offer})
        self._spawn(self._audit("proctoring.focus_opened"))

    async def _answer(self, message: dict[str, Any]) -> None:
        sdp = message.get("sdp")
        if not valid_sdp(sdp):
            await self._error("bad_sdp")
            return
        if self.janus is None or self.janus.handle is None:
            await self._error("not_subscribed")
            return
        try:
            await self.janus.handle.start(peers.allowed_sdp(sdp))
        except JanusError:
            await self._error("media_unavailable")
