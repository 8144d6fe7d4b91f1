"""WebSockets that end with the session that opened them.

A socket is authorised once, when it connects; a sign-out, a locked account or a changed role
must not leave it streaming a room or carrying chat messages. Two mechanisms, because the first
is only as reliable as the channel layer:

- every signed-in socket joins its user's group, and ``close_user_sockets`` (called on sign-out,
  deactivation and role change) tells them all to close;
- before acting on a message a socket re-reads its session and user from the database and
  closes itself when the session is gone, belongs to someone else now, was made before a
  password change, has been idle too long (``core.idle_sessions``), or the user is inactive or
  has another role.

An idle session is signed out by the next request it makes (``accounts.idle``), which closes
its sockets like any sign-out; until then its sockets close on their next message, and a new
socket is refused at connect. Messages a socket receives count as the session's activity (at
most one session write a minute per socket): the exam page's ping keeps a quiet exam alive.

This module imports no project app, so every app's consumers may use it.
"""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import DenyConnection
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.utils.crypto import constant_time_compare

from core import idle_sessions, live

# The close code a page reads as "your session ended: sign in again" (4401, like HTTP 401).
CLOSE_SIGNED_OUT = 4401


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def close_user_sockets(user_id: int) -> None:
    """Close every socket of ``user_id``, once the current transaction commits; never raises."""
    live.send_on_commit(user_group(user_id), {"type": "user.signed_out"})


def note_session_activity(session_key: str | None) -> None:
    """Record activity in the stored session ``session_key`` (``core.idle_sessions``).

    The socket's own copy of the session was read at connect and may be stale, so the session
    is read again and written back at once; a session signed out meanwhile stays gone.
    """
    if not session_key:
        return
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore(session_key)
    if not store.get(SESSION_KEY):
        return  # signed out (or never signed in): nothing to keep alive
    if idle_sessions.note_activity(store):
        try:
            store.save(must_create=False)
        except Exception:  # deleted between the read and the write: it stays signed out
            return


def session_still_valid(
    session_key: str | None, user_id: int, role: str | None, *, check_idle: bool = True
) -> bool:
    """Whether the session ``session_key`` still signs in ``user_id`` with ``role`` (and, unless
    ``check_idle`` is False, has not been idle too long)."""
    if not session_key:
        return False
    engine = import_module(settings.SESSION_ENGINE)
    data = engine.SessionStore(session_key).load()
    if str(data.get(SESSION_KEY)) != str(user_id) or not data.get(BACKEND_SESSION_KEY):
        return False
    try:
        backend = load_backend(data[BACKEND_SESSION_KEY])
    except ImportError:
        return False
    if check_idle and idle_sessions.is_idle(data, role):
        return False
    user = backend.get_user(user_id)
    if user is None or not user.is_active or getattr(user, "role", None) != role:
        return False
    verify = getattr(user, "get_session_auth_hash", None)
    if verify is None:
        return True
    return constant_time_compare(str(data.get(HASH_SESSION_KEY, "")), verify())


class SessionBoundSocket:
    """Mixin for ``AsyncJsonWebsocketConsumer`` subclasses: call ``bind_to_session()`` after the
    connect checks passed, ``unbind_session()`` on disconnect, and ``await
    self.session_still_valid()`` before acting on a message."""

    _bound_user: tuple[int, str | None] | None = None
    _activity_noted_at: float | None = None
    # True for a socket whose own connect check already ties it to work in progress that the
    # idle time-out must never end (the exam page's channel: the session holds a live attempt).
    idle_exempt = False

    async def bind_to_session(self) -> None:
        """Join the user's group; raises ``DenyConnection`` (the socket is refused) when the
        session has been idle too long."""
        user: Any = self.scope.get("user")  # type: ignore[attr-defined]
        if user is None or not user.is_authenticated:
            return
        role = getattr(user, "role", None)
        session = self.scope.get("session")  # type: ignore[attr-defined]
        if (
            not self.idle_exempt
            and session is not None
            and await database_sync_to_async(idle_sessions.is_idle)(session, role)
        ):
            raise DenyConnection
        self._bound_user = (user.pk, role)
        await self.channel_layer.group_add(  # type: ignore[attr-defined]
            user_group(user.pk),
            self.channel_name,  # type: ignore[attr-defined]
        )

    async def unbind_session(self) -> None:
        if self._bound_user is not None:
            await self.channel_layer.group_discard(  # type: ignore[attr-defined]
                user_group(self._bound_user[0]),
                self.channel_name,  # type: ignore[attr-defined]
            )

    async def session_still_valid(self) -> bool:
        """True, or the socket is closed with ``CLOSE_SIGNED_OUT`` and False."""
        if self._bound_user is None:
            return True  # not a signed-in socket (the phone's view 2 is bound to its pairing)
        session = self.scope.get("session")  # type: ignore[attr-defined]
        key = getattr(session, "session_key", None)
        user_id, role = self._bound_user
        if await database_sync_to_async(session_still_valid)(
            key, user_id, role, check_idle=not self.idle_exempt
        ):
            await self.note_activity()
            return True
        await self.close(code=CLOSE_SIGNED_OUT)  # type: ignore[attr-defined]
        return False

    async def note_activity(self) -> None:
        """A message from the page: the session is in use (written at most once a minute)."""
        if self._bound_user is None:
            return
        now = time.monotonic()
        if (
            self._activity_noted_at is not None
            and now - self._activity_noted_at < idle_sessions.WRITE_EVERY_SECONDS
        ):
            return
        self._activity_noted_at = now
        session = self.scope.get("session")  # type: ignore[attr-defined]
        key = getattr(session, "session_key", None)
        await database_sync_to_async(note_session_activity)(key)

    async def user_signed_out(self, event: dict[str, Any]) -> None:
        await self.close(code=CLOSE_SIGNED_OUT)  # type: ignore[attr-defined]
