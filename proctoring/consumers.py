"""WebSocket consumers of the proctor console."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from centres.models import Room
from core import ratelimit
from core.socket_sessions import SessionBoundSocket
from exams import summaries
from exams.summaries import AttemptChanged
from proctoring import alert_events, events, view_states

# Close codes in the 4000 range are the application's own (RFC 6455).
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_MANY = 4429
MAX_MESSAGES_PER_10S = 20


class ProctorRoomConsumer(SessionBoundSocket, AsyncJsonWebsocketConsumer):
    """Live state of one exam room for the staff who may watch it.

    On connect the room's snapshot is read from the database and sent first (attempts, the
    state of their views, the alerts waiting for a decision); events follow: ``attempt.changed``,
    ``alert.changed``, ``view.changed``, ``view.thumbnail`` (from the media process),
    ``message.changed`` (a warning sent or read), ``violation.recorded``, ``screenshot.taken``.
    Clients send only ``{"type": "ping"}`` or ``{"type": "snapshot"}``; proctors act through
    the CSRF-protected POST views of ``proctoring.views`` (``proctoring.actions``).
    """

    room_id: int
    group: str | None = None

    async def connect(self) -> None:
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        self._messages = ratelimit.MessageWindow(MAX_MESSAGES_PER_10S)
        if not await self._may_watch():
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = events.room_group(self.room_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.bind_to_session()
        await self.accept()
        await self._send_snapshot()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.unbind_session()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self._messages.allow():
            await self.close(code=CLOSE_TOO_MANY)
            return
        try:
            message = json.loads(text_data or "")
        except ValueError:
            await self.send_json({"type": "error", "code": "bad_json"})
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "snapshot":
            if await self.session_still_valid():
                await self._send_snapshot()
        else:
            await self.send_json({"type": "error", "code": "unknown_type"})

    async def attempt_changed(self, event: AttemptChanged) -> None:
        await self.send_json({"type": "attempt.changed", "attempt": event["attempt"]})

    async def alert_changed(self, event: events.AlertChanged) -> None:
        await self.send_json({"type": "alert.changed", "alert": event["alert"]})

    async def view_thumbnail(self, event: events.ViewThumbnail) -> None:
        # About once a second per view from the media process; forwarded as it came.
        await self.send_json(dict(event))

    async def message_changed(self, event: events.MessageChanged) -> None:
        await self.send_json({"type": "message.changed", "message": event["message"]})

    async def violation_recorded(self, event: events.ViolationRecorded) -> None:
        await self.send_json({"type": "violation.recorded", "violation": event["violation"]})

    async def screenshot_taken(self, event: events.ScreenshotTaken) -> None:
        await self.send_json({"type": "screenshot.taken", "screenshot": event["screenshot"]})

    async def view_changed(self, event: events.ViewChanged) -> None:
        await self.send_json(
            {
                "type": "view.changed",
                "attempt": event["attempt"],
                "view": event["view"],
                "connected": event["connected"],
            }
        )

    async def _send_snapshot(self) -> None:
        snapshot = await database_sync_to_async(self._read_snapshot)()
        await self.send_json({"type": "room.snapshot", **snapshot})

    def _read_snapshot(self) -> dict[str, Any]:
        return {
            "attempts": summaries.room_snapshot(self.room_id),
            "views": view_states.room_view_states(self.room_id),
            "alerts": alert_events.room_alerts(self.room_id),
        }

    @database_sync_to_async
    def _may_watch(self) -> bool:
        user: Any = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return False
        return Room.objects.visible_to(user).filter(pk=self.room_id).exists()
