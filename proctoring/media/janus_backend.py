"""The Janus media plane (``MEDIA_BACKEND=janus``): what the platform's signalling sockets ask of
Janus, with the platform deciding every name.

The page never names a Janus room, feed, pin or token: the socket's URL names the attempt and the
view, the consumer checks who may use them (``consumers``, ``focus``: the candidate's own
attempt, the paired phone, staff who may watch the room), and this module derives the rest.
One VideoRoom per exam room (``janus_room`` = the room's id), private, created with the plugin's
admin key, its secret and pin derived from the platform's ``SECRET_KEY`` (every media process
derives the same ones, nobody else can); one feed per attempt and view (``feed_id``). Every
socket has a Janus session of its own, made with a token added through the admin API for it and
removed when the socket ends, so a session outlives no socket and a token nobody added is
refused by Janus itself.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from django.conf import settings
from django.utils.crypto import salted_hmac

from proctoring.media import janus_client
from proctoring.media.janus_client import JanusAdmin, JanusSession, VideoRoom

logger = logging.getLogger(__name__)

VIEWS = (1, 2)


def janus_room(room_id: int) -> int:
    return int(room_id)


def feed_id(attempt_id: int, view: int) -> int:
    """The Janus feed of an attempt's view: chosen by the platform, never by the page, so a
    candidate can publish only as their own attempt's view."""
    if view not in VIEWS:
        raise ValueError(f"no view {view}")
    return int(attempt_id) * 10 + view


def room_secret(room_id: int) -> str:
    return salted_hmac("janus-room-secret", str(room_id), algorithm="sha256").hexdigest()


def room_pin(room_id: int) -> str:
    return salted_hmac("janus-room-pin", str(room_id), algorithm="sha256").hexdigest()[:32]


class Connection:
    """One signalling socket's way into Janus: its token, session and VideoRoom handle."""

    def __init__(self) -> None:
        self.http: aiohttp.ClientSession | None = None
        self.token: str | None = None
        self.session: JanusSession | None = None
        self.handle: VideoRoom | None = None

    async def open(self, room_id: int, on_event: janus_client.EventHandler | None) -> VideoRoom:
        """A token of its own, a session with it, a VideoRoom handle, and the exam room's Janus
        room (created the first time)."""
        self.http = aiohttp.ClientSession()
        admin = JanusAdmin(self.http, settings.JANUS_ADMIN_URL, settings.JANUS_ADMIN_SECRET)
        self.token = janus_client.new_token()
        await admin.add_token(self.token)
        self.session = await JanusSession.create(self.http, settings.JANUS_URL, self.token)
        self.session.on_event = on_event
        self.handle = await VideoRoom.attach(self.session)
        await self.handle.ensure_room(
            janus_room(room_id),
            room_secret(room_id),
            room_pin(room_id),
            f"room {room_id}",
            settings.JANUS_ROOM_ADMIN_KEY,
        )
        return self.handle

    async def close(self) -> None:
        """Session, token and HTTP client go, whatever state they reached; never raises."""
        try:
            if self.session is not None:
                await self.session.destroy()
            if self.token is not None and self.http is not None:
                admin = JanusAdmin(self.http, settings.JANUS_ADMIN_URL, settings.JANUS_ADMIN_SECRET)
                await admin.remove_token(self.token)
        except janus_client.JanusError as exc:  # Janus gone: its sessions and tokens went too
            logger.info("Janus token not removed: %s", exc)
        finally:
            if self.http is not None:
                await self.http.close()
            self.session = self.handle = self.token = self.http = None


async def publish(
    connection: Connection,
    room_id: int,
    attempt_id: int,
    view: int,
    offer: str,
    on_event: janus_client.EventHandler | None = None,
) -> str:
    """Publish the page's ``offer`` as the attempt's view into its exam room: Janus' answer."""
    handle = await connection.open(room_id, on_event)
    return await handle.publish(
        janus_room(room_id),
        room_pin(room_id),
        feed_id(attempt_id, view),
        f"attempt {attempt_id} view {view}",
        offer,
    )


async def subscribe(connection: Connection, room_id: int, attempt_id: int, views: list[int]) -> str:
    """Subscribe to the attempt's published ``views`` (the caller checked who may watch the
    room): Janus' offer, to be answered with ``connection.handle.start``."""
    handle = await connection.open(room_id, None)
    return await handle.subscribe(
        janus_room(room_id), room_pin(room_id), [feed_id(attempt_id, v) for v in views]
    )


async def published_feeds(connection: Connection, room_id: int) -> set[int]:
    """The feeds publishing in the exam room's Janus room now."""
    assert connection.handle is not None
    return await connection.handle.participants(janus_room(room_id))


def candidate_for_janus(line: str, mid: Any, index: Any) -> dict[str, Any]:
    """A browser's trickled candidate as Janus takes it."""
    candidate: dict[str, Any] = {"candidate": line}
    if mid is not None:
        candidate["sdpMid"] = mid
    if index is not None:
        candidate["sdpMLineIndex"] = index
    return candidate
