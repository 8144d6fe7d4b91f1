"""The media process's client of a Janus SFU (``MEDIA_BACKEND=janus``), over Janus' HTTP API.

Janus is never open to the world: only the platform speaks to its API (signalling and
authorisation stay in the platform's sockets), and every request carries a token that the
platform added through the admin API (``token_auth``), one per signalling socket, removed when
the socket ends. A forged or removed token is refused by Janus itself (403).

One ``JanusSession`` is one Janus session with its long poll: a request that Janus answers later
(``ack``, then an event with the same transaction) waits for that event; events that answer
nothing (``webrtcup``, ``hangup``, a room's notifications) go to the session's ``on_event``.
Every wait has a time-out, every answer is checked before use, and everything that goes wrong
is a ``JanusError`` with Janus' code and reason (``JanusUnavailable`` when Janus does not
answer at all), never a stray exception of the HTTP library.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

VIDEOROOM = "janus.plugin.videoroom"
REQUEST_TIMEOUT_SECONDS = 10.0
# Janus holds a long poll up to 30 s and then answers a keepalive; a little more than that.
POLL_TIMEOUT_SECONDS = 35.0
KEEPALIVE_SECONDS = 15.0  # well inside Janus' session_timeout (60 s by default)
MAX_EVENTS_PER_POLL = 10
ROOM_EXISTS = 427  # JANUS_VIDEOROOM_ERROR_ROOM_EXISTS

Json = dict[str, Any]
EventHandler = Callable[[Json], Awaitable[None] | None]


class JanusError(Exception):
    """Janus refused a request, or answered something this client cannot use."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"Janus error {code}: {reason}")
        self.code = code
        self.reason = reason


class JanusUnavailable(JanusError):
    """Janus did not answer (down, unreachable, or too slow)."""

    def __init__(self, reason: str) -> None:
        super().__init__(0, reason)


def _transaction() -> str:
    return secrets.token_hex(8)


def new_token() -> str:
    """A token for one signalling socket: unguessable, added to Janus by ``JanusAdmin``."""
    return secrets.token_urlsafe(24)


async def _post(
    http: aiohttp.ClientSession, url: str, body: Json, timeout: float = REQUEST_TIMEOUT_SECONDS
) -> Json:
    """POST ``body`` to ``url`` and return Janus' JSON answer, checked to be one of ours."""
    try:
        async with http.post(
            url, json=body, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            answer = await response.json(content_type=None)
    except TimeoutError as exc:
        raise JanusUnavailable(f"no answer from Janus within {timeout} s") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise JanusUnavailable(f"Janus unreachable: {exc}") from exc
    except ValueError as exc:
        raise JanusError(0, "Janus answered something that is not JSON") from exc
    return _checked(answer, body.get("transaction"))


def _checked(answer: Any, transaction: str | None) -> Json:
    if not isinstance(answer, dict) or not isinstance(answer.get("janus"), str):
        raise JanusError(0, "Janus answered something that is not a Janus message")
    if transaction is not None and answer.get("transaction") != transaction:
        raise JanusError(0, "Janus answered another transaction")
    if answer["janus"] == "error":
        error = answer.get("error")
        if not isinstance(error, dict):
            raise JanusError(0, "Janus answered an error without a reason")
        code = error.get("code")
        raise JanusError(code if isinstance(code, int) else 0, str(error.get("reason", "")))
    return answer


def _id(answer: Json) -> int:
    data = answer.get("data")
    value = data.get("id") if isinstance(data, dict) else None
    if answer.get("janus") != "success" or not isinstance(value, int) or value <= 0:
        raise JanusError(0, "Janus answered no id")
    return value


def plugin_data(message: Json) -> Json:
    """The VideoRoom's own answer inside a Janus message; its errors raised as ``JanusError``."""
    plugindata = message.get("plugindata")
    data = plugindata.get("data") if isinstance(plugindata, dict) else None
    if not isinstance(data, dict):
        raise JanusError(0, "Janus answered no plugin data")
    if "error_code" in data or "error" in data:
        code = data.get("error_code")
        raise JanusError(code if isinstance(code, int) else 0, str(data.get("error", "")))
    return data


def jsep_of(message: Json, kind: str) -> str:
    """The SDP of the ``kind`` (offer or answer) that came with ``message``."""
    jsep = message.get("jsep")
    if (
        not isinstance(jsep, dict)
        or jsep.get("type") != kind
        or not isinstance(jsep.get("sdp"), str)
        or not jsep["sdp"].startswith("v=0")
    ):
        raise JanusError(0, f"Janus sent no {kind}")
    return str(jsep["sdp"])


class JanusAdmin:
    """The admin API (its secret never leaves the media process): tokens and nothing else."""

    def __init__(self, http: aiohttp.ClientSession, url: str, secret: str) -> None:
        self.http, self.url, self.secret = http, url, secret

    async def _request(self, janus: str, **fields: Any) -> Json:
        body = {"janus": janus, "transaction": _transaction(), "admin_secret": self.secret}
        return await _post(self.http, self.url, {**body, **fields})

    async def add_token(self, token: str) -> None:
        """Allow ``token`` to use the VideoRoom plugin (and nothing else)."""
        await self._request("add_token", token=token, plugins=[VIDEOROOM])

    async def remove_token(self, token: str) -> None:
        """Janus refuses the token from now on (sessions made with it keep their handles)."""
        await self._request("remove_token", token=token)

    async def tokens(self) -> set[str]:
        answer = await self._request("list_tokens")
        data = answer.get("data")
        listed = data.get("tokens") if isinstance(data, dict) else None
        if not isinstance(listed, list):
            raise JanusError(0, "Janus listed no tokens")
        return {
            t["token"] for t in listed if isinstance(t, dict) and isinstance(t.get("token"), str)
        }


class JanusSession:
    """One Janus session: its handles, a long poll for events and a keepalive."""

    def __init__(self, http: aiohttp.ClientSession, url: str, token: str, session_id: int) -> None:
        self.http, self.url, self.token, self.id = http, url.rstrip("/"), token, session_id
        self.on_event: EventHandler | None = None
        self.lost: JanusError | None = None  # set when the session can no longer be used
        self._waiting: dict[str, asyncio.Future[Json]] = {}
        self._up: dict[int, asyncio.Event] = {}  # handles whose peer is connected (webrtcup)
        self._tasks = [
            asyncio.ensure_future(self._poll()),
            asyncio.ensure_future(self._keepalive()),
        ]

    @classmethod
    async def create(cls, http: aiohttp.ClientSession, url: str, token: str) -> JanusSession:
        transaction = _transaction()
        answer = await _post(
            http, url.rstrip("/"), {"janus": "create", "transaction": transaction, "token": token}
        )
        return cls(http, url, token, _id(answer))

    def _body(self, janus: str, **fields: Any) -> Json:
        return {"janus": janus, "transaction": _transaction(), "token": self.token, **fields}

    async def attach(self, plugin: str = VIDEOROOM) -> int:
        """A new handle on ``plugin``: its id."""
        return _id(await self._post(f"{self.url}/{self.id}", self._body("attach", plugin=plugin)))

    async def _post(self, url: str, body: Json) -> Json:
        if self.lost is not None:
            raise self.lost
        return await _post(self.http, url, body)

    async def request(self, handle: int, body: Json, jsep: Json | None = None) -> Json:
        """A plugin request Janus answers at once (``create``, ``exists``, ``destroy``…): the
        plugin's data."""
        message = self._body("message", body=body, **({"jsep": jsep} if jsep else {}))
        answer = await self._post(f"{self.url}/{self.id}/{handle}", message)
        if answer["janus"] != "success":
            raise JanusError(0, f"Janus answered {answer['janus']!r} to {body.get('request')!r}")
        plugin_data(answer)  # raises the plugin's error
        return answer

    async def send(
        self,
        handle: int,
        body: Json,
        jsep: Json | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> Json:
        """A plugin request Janus answers later (``join``, ``publish``, ``start``…): the event
        that answers it (its plugin data checked for an error; its ``jsep``, if any, kept)."""
        message = self._body("message", body=body, **({"jsep": jsep} if jsep else {}))
        # Registered before posting: the event may reach the long poll before the ack arrives.
        waiting = self._waiting[message["transaction"]] = asyncio.get_running_loop().create_future()
        try:
            answer = await self._post(f"{self.url}/{self.id}/{handle}", message)
            if answer["janus"] == "success":  # answered at once after all
                event = answer
            elif answer["janus"] == "ack":
                try:
                    event = await asyncio.wait_for(asyncio.shield(waiting), timeout)
                except TimeoutError as exc:
                    raise JanusUnavailable(
                        f"no answer to {body.get('request')!r} within {timeout} s"
                    ) from exc
            else:
                raise JanusError(0, f"Janus answered {answer['janus']!r}")
        finally:
            self._waiting.pop(message["transaction"], None)
        plugin_data(event)
        return event

    async def trickle(self, handle: int, candidate: Json | None) -> None:
        """One of the browser's ICE candidates (``None``: there are no more)."""
        body = self._body("trickle", candidate=candidate or {"completed": True})
        await self._post(f"{self.url}/{self.id}/{handle}", body)

    async def detach(self, handle: int) -> None:
        await self._post(f"{self.url}/{self.id}/{handle}", self._body("detach"))

    async def keepalive(self) -> None:
        await self._post(f"{self.url}/{self.id}", self._body("keepalive"))

    async def destroy(self) -> None:
        """End the session (its handles and their peers with it); never raises."""
        for task in self._tasks:
            task.cancel()
        # Waited for, so no poll is left pending on an HTTP client its owner closes next (the
        # poll itself may be the caller, through on_event: it is not waited for).
        current = asyncio.current_task()
        await asyncio.gather(*(t for t in self._tasks if t is not current), return_exceptions=True)
        if self.lost is None:
            with contextlib.suppress(JanusError):
                await _post(self.http, f"{self.url}/{self.id}", self._body("destroy"))
        self._lose(JanusError(458, "session destroyed"))

    def _lose(self, error: JanusError) -> None:
        if self.lost is None:
            self.lost = error
        for waiting in self._waiting.values():
            if not waiting.done():
                waiting.set_exception(error)

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            try:
                await self.keepalive()
            except JanusError as exc:
                logger.warning("Janus session %s: keepalive failed: %s", self.id, exc)

    async def _poll(self) -> None:
        url = f"{self.url}/{self.id}"
        params = {"maxev": str(MAX_EVENTS_PER_POLL), "token": self.token}
        failures = 0
        while True:
            try:
                async with self.http.get(
                    url, params=params, timeout=aiohttp.ClientTimeout(total=POLL_TIMEOUT_SECONDS)
                ) as response:
                    answer = await response.json(content_type=None)
                failures = 0
            except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
                failures += 1
                if failures >= 3:  # three polls in a row unanswered: the session is gone
                    self._lose(JanusUnavailable(f"Janus unreachable: {exc}"))
                    await self._deliver({"janus": "lost", "reason": str(exc)})
                    return
                await asyncio.sleep(0.3)
                continue
            for event in answer if isinstance(answer, list) else [answer]:
                if not isinstance(event, dict):
                    continue
                if event.get("janus") == "error":
                    error = event.get("error")
                    if not isinstance(error, dict):
                        error = {}
                    code = error.get("code")
                    self._lose(
                        JanusError(code if isinstance(code, int) else 0, str(error.get("reason")))
                    )
                    await self._deliver({"janus": "lost", "reason": str(error.get("reason"))})
                    return
                waiting = self._waiting.get(str(event.get("transaction")))
                if waiting is not None and not waiting.done() and event.get("janus") == "event":
                    waiting.set_result(event)
                elif event.get("janus") != "keepalive":
                    await self._deliver(event)

    async def wait_up(self, handle: int, timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        """Until the peer of ``handle`` is connected (Janus' ``webrtcup``): a publisher's feed
        can be subscribed to only from then on."""
        try:
            await asyncio.wait_for(self._up.setdefault(handle, asyncio.Event()).wait(), timeout)
        except TimeoutError as exc:
            raise JanusUnavailable(f"the peer of handle {handle} did not connect") from exc

    async def _deliver(self, event: Json) -> None:
        sender = event.get("sender")
        if isinstance(sender, int):
            if event.get("janus") == "webrtcup":
                self._up.setdefault(sender, asyncio.Event()).set()
            elif event.get("janus") == "hangup":
                self._up.pop(sender, None)
        if self.on_event is None:
            return
        try:
            result = self.on_event(event)
            if result is not None:
                await result
        except Exception:  # one consumer's failure never stops the session's events
            logger.exception("a Janus event of session %s was not handled", self.id)


class VideoRoom:
    """The VideoRoom requests the platform uses, on one handle of a session."""

    def __init__(self, session: JanusSession, handle: int) -> None:
        self.session, self.handle = session, handle

    @classmethod
    async def attach(cls, session: JanusSession) -> VideoRoom:
        return cls(session, await session.attach(VIDEOROOM))

    async def ensure_room(
        self, room: int, secret: str, pin: str, description: str, admin_key: str
    ) -> None:
        """Create room ``room`` unless it exists: private (not listed), its ``secret`` needed to
        change or destroy it and its ``pin`` to join it, both known only to the platform, as is
        the plugin's ``admin_key`` without which Janus creates no room."""
        try:
            await self.session.request(
                self.handle,
                {
                    "request": "create",
                    "admin_key": admin_key,
                    "room": room,
                    "description": description,
                    "secret": secret,
                    "pin": pin,
                    "is_private": True,
                    "permanent": False,
                    "publishers": 200,  # two views per candidate of a large exam room
                    "videocodec": "vp8",
                    "audiocodec": "opus",
                    "notify_joining": False,
                },
            )
        except JanusError as exc:
            if exc.code != ROOM_EXISTS:
                raise

    async def destroy_room(self, room: int, secret: str) -> None:
        await self.session.request(
            self.handle, {"request": "destroy", "room": room, "secret": secret}
        )

    async def publish(self, room: int, pin: str, feed: int, display: str, offer: str) -> str:
        """Join ``room`` as publisher ``feed`` and publish the browser's ``offer``: Janus'
        answer."""
        await self.session.send(
            self.handle,
            {
                "request": "join",
                "ptype": "publisher",
                "room": room,
                "pin": pin,
                "id": feed,
                "display": display,
            },
        )
        event = await self.session.send(
            self.handle,
            {"request": "publish", "audio": True, "video": True},
            jsep={"type": "offer", "sdp": offer},
        )
        return jsep_of(event, "answer")

    async def subscribe(self, room: int, pin: str, feeds: list[int]) -> str:
        """Subscribe to ``feeds`` of ``room``: Janus' offer (answer it with ``start``)."""
        event = await self.session.send(
            self.handle,
            {
                "request": "join",
                "ptype": "subscriber",
                "room": room,
                "pin": pin,
                "streams": [{"feed": feed} for feed in feeds],
            },
        )
        return jsep_of(event, "offer")

    async def start(self, answer: str) -> None:
        """The subscriber's answer to Janus' offer: media starts flowing."""
        await self.session.send(
            self.handle, {"request": "start"}, jsep={"type": "answer", "sdp": answer}
        )

    async def participants(self, room: int) -> set[int]:
        """The ids of the feeds publishing in ``room``."""
        answer = await self.session.request(
            self.handle, {"request": "listparticipants", "room": room}
        )
        listed = plugin_data(answer).get("participants")
        if not isinstance(listed, list):
            raise JanusError(0, "Janus listed no participants")
        return {
            p["id"]
            for p in listed
            if isinstance(p, dict) and isinstance(p.get("id"), int) and p.get("publisher")
        }

    async def trickle(self, candidate: Json | None) -> None:
        await self.session.trickle(self.handle, candidate)

    async def wait_up(self, timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        await self.session.wait_up(self.handle, timeout)

    async def leave(self) -> None:
        await self.session.detach(self.handle)
