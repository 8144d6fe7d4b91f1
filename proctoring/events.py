"""Live events of proctoring, as typed messages on the channel layer: the message types, the
group names and the send helpers, nothing else (this module is a leaf: it imports no model).

Events are notifications only: they may be dropped, so a console or page that connects or
reconnects first reads the state from the database and then applies events on top. There is one
group per exam room (``room_group``) and one per attempt for the candidate's own pages
(``attempt_group``). Attempts' own ``attempt.changed`` is published by ``exams.summaries``,
alerts' ``alert.changed`` by ``proctoring.alert_events``, views' ``view.changed`` by
``proctoring.view_states``.
"""

from __future__ import annotations

from typing import Literal

# Not typing's: pydantic reads these TypedDicts as the proctor actions' OpenAPI schemas
# (``proctoring.action_schemas``), which on Python 3.11 needs typing_extensions' own.
from typing_extensions import TypedDict

from core.live import attempt_group, room_group, send, send_on_commit

__all__ = [
    "AlertChanged",
    "AlertSummary",
    "CandidateTerminated",
    "CandidateWarning",
    "MessageChanged",
    "MessageSummary",
    "ScreenshotSummary",
    "ScreenshotTaken",
    "ViewChanged",
    "ViewStateSummary",
    "ViewThumbnail",
    "ViolationRecorded",
    "ViolationSummary",
    "attempt_group",
    "room_group",
    "send",
    "send_on_commit",
]


class ViewChanged(TypedDict):
    """A candidate's live view (1 computer, 2 phone) reached the media process or was lost."""

    type: Literal["view.changed"]
    attempt: int
    view: int
    connected: bool


class ViewThumbnail(TypedDict):
    """A small JPEG (base64, about 160x120) of a live view for the room's grid, sent by the media
    process about every ``WEBRTC_THUMBNAIL_EVERY_SECONDS`` per view; ``at`` is ISO time."""

    type: Literal["view.thumbnail"]
    attempt: int
    view: int
    jpeg: str
    at: str


class ViewStateSummary(TypedDict):
    attempt: int
    view: int
    connected: bool


class AlertSummary(TypedDict):
    id: int
    attempt: int
    kind: str
    label: str
    view: int
    severity: int
    status: str
    confidence: float
    count: int
    opened_at: str
    last_seen_at: str
    closed_at: str | None
    evidence_url: str | None
    audio_url: str | None
    decision: str
    decision_note: str


class AlertChanged(TypedDict):
    type: Literal["alert.changed"]
    alert: AlertSummary


# --- Proctors' actions and the candidate's channel (proctoring.actions) -----------------------


class MessageSummary(TypedDict):
    id: int
    attempt: int
    kind: str
    text: str
    sender: str
    sent_at: str
    read_at: str | None


class MessageChanged(TypedDict):
    """To the room: a warning or broadcast line was sent, or its candidate read it."""

    type: Literal["message.changed"]
    message: MessageSummary


class ViolationSummary(TypedDict):
    id: int
    attempt: int
    kind: str
    label: str
    note: str
    recorded_by: str
    at: str


class ViolationRecorded(TypedDict):
    type: Literal["violation.recorded"]
    violation: ViolationSummary


class ScreenshotSummary(TypedDict):
    id: int
    attempt: int
    view: int
    note: str
    taken_by: str
    at: str
    url: str


class ScreenshotTaken(TypedDict):
    type: Literal["screenshot.taken"]
    screenshot: ScreenshotSummary


class CandidateWarning(TypedDict):
    """To the candidate's channel: show this line (``kind`` warning or broadcast)."""

    type: Literal["candidate.warning"]
    id: int
    text: str
    kind: str


class CandidateTerminated(TypedDict):
    """To the candidate's channel: a proctor ended the exam."""

    type: Literal["candidate.terminated"]
    reason: str
