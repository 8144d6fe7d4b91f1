"""WebSocket consumers of the support chat (R-EXAM-11).

Clients send ``{"type": "send", "body": "..."}``, ``{"type": "read", "upto": <message id>}`` or
``{"type": "ping"}``. The server sends ``chat.snapshot`` (every stored message) on connect,
``chat.messages`` (those after the last one sent) when the channel layer says the conversation
changed, ``chat.closed``, ``queue.snapshot`` to the staff queue, and ``error`` with a code.
"""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.roles import Role
from core import ratelimit
from core.socket_sessions import SessionBoundSocket
from support import chat, events
from support.models import Conversation, is_support_staff
from support.statuses import ConversationStatus

CLOSE_FORBIDDEN = 4403
CLOSE_TOO_MANY = 4429
# A socket that sends more than this in 10 s is closed (a client gone wild, or a flood);
# sending itself is also limited per person (SUPPORT_CHAT_MESSAGES_PER_MINUTE).
MAX_FRAMES_PER_10S = 20
MAX_FRAME_CHARS = 8000


def _is_candidate(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.CANDIDATE)


class _ChatSocket(SessionBoundSocket, AsyncJsonWebsocketConsumer):
    groups_joined: list[str]

    def _start(self) -> None:
        self.groups_joined = []
        self._messages = ratelimit.MessageWindow(MAX_FRAMES_PER_10S)

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        # Every chat socket that is let in ends with the session that opened it.
        await self.bind_to_session()
        await super().accept(subprotocol, headers)

    async def _join(self, group: str) -> None:
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)

    async def _leave(self, group: str) -> None:
        if group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.remove(group)

    async def disconnect(self, code: int) -> None:
        for group in list(getattr(self, "groups_joined", [])):
            await self._leave(group)
        await self.unbind_session()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self._messages.allow():
            await self.close(code=CLOSE_TOO_MANY)
            return
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self.send_json({"type": "error", "code": "too_long"})
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self.send_json({"type": "error", "code": "bad_json"})
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind in ("send", "read") and not await self.session_still_valid():
            return
        try:
            if kind == "ping":
                await self.send_json({"type": "pong"})
            elif kind == "send":
                await self.on_send(message.get("body"))
            elif kind == "read":
                await self.on_read(message.get("upto"))
            else:
                await self.send_json({"type": "error", "code": "unknown_type"})
        except chat.ChatRefused as refused:
            await self.send_json(
                {"type": "error", "code": refused.code, "message": refused.message}
            )

    async def on_send(self, body: Any) -> None:
        await self.send_json({"type": "error", "code": "unknown_type"})

    async def on_read(self, upto: Any) -> None:
        await self.send_json({"type": "error", "code": "unknown_type"})


class _ConversationSocket(_ChatSocket):
    conversation_id: int | None = None
    last_sent: int = 0

    async def _send_new(self) -> None:
        if self.conversation_id is None:
            return
        rows = await database_sync_to_async(chat.messages_after)(
            self.conversation_id, self.last_sent
        )
        if rows:
            self.last_sent = rows[-1]["id"]
            await self.send_json({"type": "chat.messages", "messages": rows})

    async def _send_snapshot(self) -> None:
        rows: list[chat.MessageData] = []
        if self.conversation_id is not None:
            rows = await database_sync_to_async(chat.messages_after)(self.conversation_id)
        self.last_sent = rows[-1]["id"] if rows else 0
        await self.send_json(
            {"type": "chat.snapshot", "conversation": self.conversation_id, "messages": rows}
        )

    async def on_read(self, upto: Any) -> None:
        chat.check_upto(upto)
        if self.conversation_id is not None:
            user = self.scope["user"]
            await database_sync_to_async(chat.mark_read)(user, self.conversation_id, upto)

    async def chat_changed(self, event: events.ChatChanged) -> None:
        await self._send_new()
        status = await database_sync_to_async(
            lambda: (
                Conversation.objects.filter(pk=event["conversation"])
                .values_list("status", flat=True)
                .first()
            )
        )()
        if status != ConversationStatus.OPEN:
            await self.send_json({"type": "chat.closed", "conversation": event["conversation"]})
            await self.on_closed()

    async def on_closed(self) -> None:
        pass


class CandidateChatConsumer(_ConversationSocket):
    """The candidate's side: their own open conversation, started by their first message."""

    async def connect(self) -> None:
        self._start()
        user = self.scope.get("user")
        if user is None or not await database_sync_to_async(_is_candidate)(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        conversation = await database_sync_to_async(chat.open_conversation_of)(user)
        await self.accept()
        if conversation is not None:
            self.conversation_id = conversation.pk
            await self._join(events.conversation_group(conversation.pk))
        await self._send_snapshot()

    async def on_send(self, body: Any) -> None:
        message = await database_sync_to_async(chat.post_from_candidate)(self.scope["user"], body)
        if self.conversation_id != message.conversation_id:
            self.conversation_id = message.conversation_id
            self.last_sent = 0
            await self._join(events.conversation_group(message.conversation_id))
        await self._send_new()

    async def on_closed(self) -> None:
        # The next message starts a new conversation; this one is no longer followed.
        if self.conversation_id is not None:
            await self._leave(events.conversation_group(self.conversation_id))
        self.conversation_id = None
        self.last_sent = 0


class StaffChatConsumer(_ConversationSocket):
    """Support staff answering one conversation they may see (their site's, or any for the
    evaluation organisation)."""

    async def connect(self) -> None:
        self._start()
        user = self.scope.get("user")
        conversation_id = int(self.scope["url_route"]["kwargs"]["conversation_id"])
        if user is None or not await database_sync_to_async(self._may_answer)(
            user, conversation_id
        ):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.conversation_id = conversation_id
        await self.accept()
        await self._join(events.conversation_group(conversation_id))
        await self._send_snapshot()

    @staticmethod
    def _may_answer(user: Any, conversation_id: int) -> bool:
        return (
            is_support_staff(user)
            and Conversation.objects.visible_to(user).filter(pk=conversation_id).exists()
        )

    async def on_send(self, body: Any) -> None:
        assert self.conversation_id is not None
        await database_sync_to_async(chat.post_from_staff)(
            self.scope["user"], self.conversation_id, body
        )
        await self._send_new()


class SupportQueueConsumer(_ChatSocket):
    """The staff's queue of open conversations with unread counts, sent again on every change."""

    async def connect(self) -> None:
        self._start()
        user = self.scope.get("user")
        if user is None or not await database_sync_to_async(is_support_staff)(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()
        if await database_sync_to_async(user.has_role)(Role.ORG_ADMIN):
            await self._join(events.ORG_GROUP)
        else:
            await self._join(events.site_group(user.site_id))
        await self._send_queue()

    async def _send_queue(self) -> None:
        rows = await database_sync_to_async(chat.queue)(self.scope["user"])
        await self.send_json({"type": "queue.snapshot", "conversations": rows})

    async def queue_changed(self, event: events.QueueChanged) -> None:
        await self._send_queue()
