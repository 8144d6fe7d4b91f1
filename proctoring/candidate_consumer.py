"""The candidate's own live channel, on the web process: ``/ws/attempts/<attempt_id>/``.

Only the signed-in candidate who owns the attempt may connect, while it is live (the steps
before answering, or answering). The server sends:

- ``{"type": "warning", "id": n, "text": "...", "kind": "warning"|"broadcast"}``: a proctor's
  line, shown crossing the page; unread ones are sent again on every (re)connect;
- ``{"type": "terminated", "reason": "..."}``: a proctor ended the exam (also sent, then the
  socket closed, to a page connecting after it happened);
- ``{"type": "view.changed", "view": n, "connected": bool}``: a live view came or went (and the
  state of each view known, on connect).

The page sends ``{"type": "read", "id": n}`` (the read receipt), ``{"type": "view", "view": 1,
"connected": bool}`` (its own view-1 media state, so the proctor hears of a lost view even when
the media process is down; only a loss counts, "connected" is the media process's to say),
``{"type": "view", "view": 3, "connected": bool}`` (the shared screen, where the exam requires
it: both states, since no media process sees it) and ``{"type": "ping"}`` (which keeps the
browser session alive, ``exams.attempt_sessions``; a session other than the one holding the
attempt is refused at connect); a loss may say ``"part": "camera"|"microphone"`` (which track
ended). Anything else gets ``error`` with a
code; a flood closes the socket (4429).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.roles import Role
from core import ratelimit
from core.socket_sessions import SessionBoundSocket
from exams import attempt_sessions, statuses
from exams.models import SCREEN_VIEW, Attempt
from exams.statuses import AttemptStatus
from proctoring import actions, events, view_states
from proctoring.models import ViewState

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_TOO_MANY = 4429
CLOSE_ENDED = 4000  # the exam ended: the page stops reconnecting
MAX_MESSAGES_PER_10S = 30  # read receipts of a burst of broadcasts, view reports, pings
MAX_CONNECTS_PER_MINUTE = 30
MAX_FRAME_CHARS = 1000
# Views the candidate's page may report itself: the computer's camera, and the shared screen
# (view 3) where the exam requires it. The phone (view 2) is reported by the media process
# only, so a page cannot hide a lost phone.
PAGE_REPORTED_VIEWS = (1, SCREEN_VIEW)
# What of view 1 the page may say it lost: the camera's track or the microphone's ended.
LOST_PARTS = ("camera", "microphone")


class AttemptChannelConsumer(SessionBoundSocket, AsyncJsonWebsocketConsumer):
    attempt_id: int
    group: str | None = None
    # Only the session holding a live attempt connects (``_own_attempt_status``): the idle
    # time-out never closes the exam page's channel, even after a long network outage, and
    # the channel's pings keep the rest of the session active (core.idle_sessions).
    idle_exempt = True

    async def connect(self) -> None:
        self.attempt_id = int(self.scope["url_route"]["kwargs"]["attempt_id"])
        self._messages = ratelimit.MessageWindow(MAX_MESSAGES_PER_10S)
        status = await self._own_attempt_status()
        if status is None or status not in statuses.LIVE | {AttemptStatus.TERMINATED}:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if not await database_sync_to_async(ratelimit.hit)(
            "attempt-channel",
            str(self.scope["user"].pk),
            limit=MAX_CONNECTS_PER_MINUTE,
            fail_open=True,
        ):
            await self.close(code=CLOSE_TOO_MANY)
            return
        await self.accept()
        if status == AttemptStatus.TERMINATED:
            # The page missed the moment (it was reconnecting): tell it now and stop.
            reason = await database_sync_to_async(actions.termination_reason)(self.attempt_id)
            await self.send_json({"type": "terminated", "reason": reason})
            await self.close(code=CLOSE_ENDED)
            return
        self.group = events.attempt_group(self.attempt_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.bind_to_session()
        await self.note_activity()
        for warning in await database_sync_to_async(actions.unread_messages)(self.attempt_id):
            await self.candidate_warning(warning)
        # The views' current state, so a page that just opened shows the phone's state too.
        for view, connected in await database_sync_to_async(self._view_states)():
            await self.send_json({"type": "view.changed", "view": view, "connected": connected})

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
        await self.unbind_session()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self._messages.allow():
            await self.close(code=CLOSE_TOO_MANY)
            return
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self._error("bad_json")
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self._error("bad_json")
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind in ("read", "view") and not await self.session_still_valid():
            return
        try:
            if kind == "ping":
                # The ping is what keeps a quiet exam page's session alive: the attempt's
                # (one browser per attempt) and the sign-in's (the idle time-out).
                await database_sync_to_async(self._touch)()
                await self.note_activity()
                await self.send_json({"type": "pong"})
            elif kind == "read":
                await self._read(message.get("id"))
            elif kind == "view":
                await self._view(message.get("view"), message.get("connected"), message.get("part"))
            else:
                await self._error("unknown_type")
        except Exception:  # a failure of one message never takes the channel down
            logger.exception("candidate channel of attempt %s: message failed", self.attempt_id)
            await self._error("failed")

    async def _read(self, message_id: Any) -> None:
        if not isinstance(message_id, int) or isinstance(message_id, bool) or message_id < 1:
            await self._error("bad_id")
            return
        await database_sync_to_async(actions.mark_read)(self.attempt_id, message_id)

    async def _view(self, view: Any, connected: Any, part: Any = None) -> None:
        if view not in PAGE_REPORTED_VIEWS or isinstance(view, bool):
            await self._error("bad_view")
            return
        if not isinstance(connected, bool):
            await self._error("bad_state")
            return
        if part is not None and part not in LOST_PARTS:
            await self._error("bad_part")
            return
        if view == SCREEN_VIEW and not await self._requires_screen_share():
            await self._error("bad_view")
            return
        if connected and view != SCREEN_VIEW:
            # Only the media process, which receives the stream, says a camera is connected; a
            # page's word could show a camera that sends nothing. A page reports losses only.
            # The screen is shared with no live stream, so the page is its only witness (its
            # recording segments are the evidence the reviewer checks).
            return
        # Reports count only while the attempt is live: a page left open after the end must
        # not keep changing the console.
        if await self._own_attempt_status() not in statuses.LIVE:
            await self._error("finished")
            return
        await database_sync_to_async(view_states.record_view_state)(
            self.attempt_id, view, connected, detail={"part": part} if part else None
        )

    # --- From the channel layer ---------------------------------------------------------------

    async def candidate_warning(self, event: events.CandidateWarning) -> None:
        await self.send_json(
            {"type": "warning", "id": event["id"], "text": event["text"], "kind": event["kind"]}
        )

    async def candidate_terminated(self, event: events.CandidateTerminated) -> None:
        await self.send_json({"type": "terminated", "reason": event["reason"]})
        await self.close(code=CLOSE_ENDED)

    async def view_changed(self, event: events.ViewChanged) -> None:
        await self.send_json(
            {"type": "view.changed", "view": event["view"], "connected": event["connected"]}
        )

    # --- Helpers -------------------------------------------------------------------------------

    async def _error(self, code: str) -> None:
        await self.send_json({"type": "error", "code": code})

    def _view_states(self) -> list[tuple[int, bool]]:
        rows = ViewState.objects.filter(attempt_id=self.attempt_id).order_by("view")
        return list(rows.values_list("view", "connected"))

    @database_sync_to_async
    def _own_attempt_status(self) -> str | None:
        """The attempt's status when the signed-in candidate owns it; None otherwise."""
        user: Any = self.scope.get("user")
        if user is None or not user.is_authenticated or user.role != Role.CANDIDATE:
            return None
        attempt = (
            Attempt.objects.of_candidate(user)
            .filter(pk=self.attempt_id)
            .only("status", "session_token", "session_seen_at")
            .first()
        )
        if attempt is None:
            return None
        session = self.scope.get("session") or {}
        if attempt.session_token and not attempt_sessions.owns(session, attempt):
            return None  # another browser session holds the attempt (exams.attempt_sessions)
        attempt_sessions.touch(session, attempt)
        return attempt.status

    @database_sync_to_async
    def _requires_screen_share(self) -> bool:
        return Attempt.objects.filter(
            pk=self.attempt_id, registration__exam__requires_screen_share=True
        ).exists()

    def _touch(self) -> None:
        attempt_sessions.touch(self.scope.get("session") or {}, self.attempt_id)
