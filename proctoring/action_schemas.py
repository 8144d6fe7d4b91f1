"""What the proctors' JSON actions (``proctoring.views``) take and answer, for the OpenAPI
document. The views read the form fields themselves (``proctoring.actions`` checks them); these
schemas say what the console's script sends and reads (the shapes of ``proctoring.events``)."""

from __future__ import annotations

from ninja import Field, Schema

from proctoring.models import AlertDecision, ViolationKind


class MessageOut(Schema):
    id: int
    attempt: int
    kind: str
    text: str
    sender: str
    sent_at: str
    read_at: str | None


class ViolationOut(Schema):
    id: int
    attempt: int
    kind: str
    label: str
    note: str
    recorded_by: str
    at: str


class ScreenshotOut(Schema):
    id: int
    attempt: int
    view: int
    note: str
    taken_by: str
    at: str
    url: str


class AttemptDetailOut(Schema):
    """What the console's focus panel shows of one attempt beside the video."""

    attempt: int
    messages: list[MessageOut]
    violations: list[ViolationOut]
    screenshots: list[ScreenshotOut]


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

    message: MessageOut


class BroadcastOut(Schema):
    """How many candidates of the room the message went to."""

    sent: int


class ViolationRecordedOut(Schema):
    """The violation, recorded against the attempt."""

    violation: ViolationOut


class ScreenshotTakenOut(Schema):
    """The screenshot, kept as evidence."""

    screenshot: ScreenshotOut


class DecisionOut(Schema):
    """The alert's decision."""

    alert: int
    decision: str
    labels: dict[str, str]


class EndedOut(Schema):
    """The attempt, ended by the proctor."""

    attempt: int
    status: str
