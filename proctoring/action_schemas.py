"""What the proctors' JSON actions (``proctoring.views``) take and answer, for the OpenAPI
document. The views read the form fields themselves (``proctoring.actions`` checks them); these
schemas say what the console's script sends and reads. A message, a violation and a screenshot
are answered in the shapes the room's events carry them in: those TypedDicts of
``proctoring.events`` are the schemas, so the two cannot drift apart."""

from __future__ import annotations

from ninja import Field, Schema

from proctoring import events
from proctoring.models import AlertDecision, ViolationKind


class AttemptDetailOut(Schema):
    """What the console's focus panel shows of one attempt beside the video."""

    attempt: int
    messages: list[events.MessageSummary]
    violations: list[events.ViolationSummary]
    screenshots: list[events.ScreenshotSummary]


class TextIn(Schema):
    text: str = Field(description="the message, as the proctor typed it")


class ViolationIn(Schema):
    kind: str = Field(
        description="one of the violation kinds the room page lists",
        json_schema_extra={"enum": list(ViolationKind.values)},
    )
    note: str = ""


class ScreenshotIn(Schema):
    view: int = Field(description="1: the computer's camera, 2: the phone's", ge=1, le=2)
    note: str = ""


class DecisionIn(Schema):
    decision: str = Field(
        description="one of the alert decisions (labels in the answer)",
        json_schema_extra={"enum": list(AlertDecision.values)},
    )
    note: str = ""


class EndIn(Schema):
    reason: str = Field(description="why the proctor ends the exam (kept in the audit log)")


class WarningSentOut(Schema):
    """The warning, delivered to the candidate's exam page."""

    message: events.MessageSummary


class BroadcastOut(Schema):
    """How many candidates of the room the message went to."""

    sent: int


class ViolationRecordedOut(Schema):
    """The violation, recorded against the attempt."""

    violation: events.ViolationSummary


class ScreenshotTakenOut(Schema):
    """The screenshot, kept as evidence."""

    screenshot: events.ScreenshotSummary


class DecisionOut(Schema):
    """The alert's decision."""

    alert: int
    decision: str
    labels: dict[str, str]


class EndedOut(Schema):
    """The attempt, ended by the proctor."""

    attempt: int
    status: str
