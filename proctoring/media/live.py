"""The live views of this media process, and the proctors' focus peers that watch them.

A process-local registry: the server peer of a candidate's view lives in one media process, and
its decoded tracks can only be read there. Each live view keeps its source tracks behind one
aiortc ``MediaRelay`` (aiortc delivers a track's frames to
one reader only), so the sampler and
thumbnails, audio detection and any number of focus peers each read their own proxy.

Messages to a view's page (``focus``, ``talk``) go straight through the view consumer's
``notify``: both consumers run in this process's event loop. A candidate is pinned to one media
process (the page opens ``WEBRTC_WS_BASE``), and a focus works only on the process that holds the
candidate's views: with one media process per machine or per core, the page that opens the focus
must be pointed at the candidate's process (a sticky router keyed by attempt id, or the process
recorded with the view's state); at larger scale an SFU forwards the streams instead
(docs/architecture.md).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiortc import MediaStreamTrack
from aiortc.contrib.media import MediaRelay

from proctoring.media.peers import SwitchTrack

logger = logging.getLogger(__name__)

Notify = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(eq=False)
class LiveView:
    """One connected view (1 computer, 2 phone) of an attempt: its received source tracks, the
    relay every reader subscribes through, and for view 1 the sender track that plays the
    proctor's voice on the candidate's page (silent, and free, until a proctor talks)."""

    attempt_id: int
    view: int
    notify: Notify
    relay: MediaRelay = field(default_factory=MediaRelay)
    video: MediaStreamTrack | None = None
    audio: MediaStreamTrack | None = None
    talk: SwitchTrack | None = None

    def subscribe(self, kind: str, *, buffered: bool = False) -> MediaStreamTrack | None:
        """A new reader of the view's ``kind`` track, or None when the view sends none.
        Unbuffered readers get the latest frame only (no queue can grow behind a slow one)."""
        source = self.video if kind == "video" else self.audio
        return None if source is None else self.relay.subscribe(source, buffered=buffered)


class Focus(Protocol):
    """A proctor's focus peer on one attempt (``focus``)."""

    def view_changed(self, view: int, live: LiveView | None) -> None:
        """View ``view`` came up (``live``) or went away (None)."""

    def voice(self) -> MediaStreamTrack | None:
        """A new reader of the proctor's microphone, or None when it sends none."""

    async def notify(self, message: dict[str, Any]) -> None:
        """Send ``message`` to the proctor's page."""


@dataclass(eq=False)
class _Attempt:
    views: dict[int, LiveView] = field(default_factory=dict)
    focuses: list[Focus] = field(default_factory=list)
    talker: Focus | None = None


_attempts: dict[int, _Attempt] = {}


def views_of(attempt_id: int) -> dict[int, LiveView]:
    entry = _attempts.get(attempt_id)
    return dict(entry.views) if entry else {}


def focused(attempt_id: int) -> bool:
    entry = _attempts.get(attempt_id)
    return bool(entry and entry.focuses)


async def add_view(live: LiveView) -> None:
    """``live`` is the attempt's view from now on. It replaces an earlier peer of the same view
    (a reconnect can arrive before the old socket's close is noticed); focus peers switch to it,
    it learns that it is focused, and view 1 carries the voice of a proctor who is talking."""
    entry = _attempts.setdefault(live.attempt_id, _Attempt())
    entry.views[live.view] = live
    for focus in entry.focuses:
        focus.view_changed(live.view, live)
    if entry.focuses:
        await _tell(live, {"type": "focus", "on": True})
    if live.view == 1 and entry.talker is not None and live.talk is not None:
        live.talk.switch(entry.talker.voice())
        await _tell(live, {"type": "talk", "on": True})


async def remove_view(live: LiveView) -> None:
    """``live`` has gone; nothing happens when a newer peer of the view already replaced it."""
    entry = _attempts.get(live.attempt_id)
    if entry is None or entry.views.get(live.view) is not live:
        return
    del entry.views[live.view]
    for focus in entry.focuses:
        focus.view_changed(live.view, None)
    _forget_if_idle(live.attempt_id, entry)


async def open_focus(attempt_id: int, focus: Focus) -> None:
    """A proctor opened the attempt in focus: it is told of every live view, and the first focus
    asks the candidate's senders to lift their frame-rate cap."""
    entry = _attempts.setdefault(attempt_id, _Attempt())
    first = not entry.focuses
    entry.focuses.append(focus)
    for view, live in entry.views.items():
        focus.view_changed(view, live)
    if first:
        for live in list(entry.views.values()):
            await _tell(live, {"type": "focus", "on": True})


async def close_focus(attempt_id: int, focus: Focus) -> None:
    """The focus closed: its talk ends, and the last one puts the senders back to their cap."""
    entry = _attempts.get(attempt_id)
    if entry is None or focus not in entry.focuses:
        return
    if entry.talker is focus:
        await set_talk(attempt_id, focus, False)
    entry.focuses.remove(focus)
    if not entry.focuses:
        for live in list(entry.views.values()):
            await _tell(live, {"type": "focus", "on": False})
    _forget_if_idle(attempt_id, entry)


async def set_talk(attempt_id: int, focus: Focus, on: bool) -> bool:
    """Start or stop ``focus``'s proctor talking to the candidate's page (view 1). One proctor
    talks at a time: a second one takes over, and the first is told it stopped. Returns whether
    view 1 is live to play it now (otherwise it starts when view 1 connects)."""
    entry = _attempts.get(attempt_id)
    if entry is None or focus not in entry.focuses:
        return False
    if on:
        previous, entry.talker = entry.talker, focus
        if previous is not None and previous is not focus:
            await _tell(previous, {"type": "talk", "on": False})
    elif entry.talker is focus:
        entry.talker = None
    else:
        return False
    live = entry.views.get(1)
    if live is None or live.talk is None:
        return False
    live.talk.switch(focus.voice() if on else None)
    await _tell(live, {"type": "talk", "on": on})
    return True


def _forget_if_idle(attempt_id: int, entry: _Attempt) -> None:
    if not entry.views and not entry.focuses:
        _attempts.pop(attempt_id, None)


async def _tell(peer: LiveView | Focus, message: dict[str, Any]) -> None:
    """A page that has just gone cannot be told anything: that never stops the others."""
    try:
        await peer.notify(message)
    except Exception:
        logger.warning("%s message not delivered", message.get("type"), exc_info=True)
