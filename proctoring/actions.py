"""What a proctor does to a candidate during an exam (R-PROC-5, R-PROC-7): bullet-screen warnings
and room broadcasts with read receipts, violations, screenshots kept as evidence, decisions on
alerts, and ending a candidate's exam.

Every action is taken by a member of staff who may watch the attempt's room (``attempt_for`` /
``alert_for`` find only those), runs in one transaction with its audit row, and is published
after commit: to the room's group, so every console watching the room updates, and for what the
candidate must see (a warning, the end of the exam) to the candidate's own channel
(``events.attempt_group``, served by ``proctoring.candidate_consumer``).
"""

from __future__ import annotations

import io
import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from centres.models import Room
from core import ratelimit
from core.errors import Refused
from exams import services as exam_services
from exams import statuses
from exams.models import Attempt
from exams.statuses import AttemptStatus
from proctoring import alert_events, events, services, uploads
from proctoring.models import (
    MESSAGE_MAX_CHARS,
    Alert,
    AlertDecision,
    AlertStatus,
    EvidenceFrame,
    MessageKind,
    ProctorMessage,
    ProctorScreenshot,
    Violation,
    ViolationKind,
)

NOTE_MAX_CHARS = 500
# Warnings and broadcasts one member of staff may send per minute: generous for a proctor, a
# stop for a script or a stuck key flooding candidates' pages.
MESSAGES_PER_MINUTE = 30
SCREENSHOT_MAX_BYTES = 4 * 1024 * 1024
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class ActionRefused(Refused):
    """An action that cannot be taken; ``message`` is for the proctor, ``code`` for programs."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


# --- Who may act on what ----------------------------------------------------------------------


def attempt_for(user: Any, attempt_id: int) -> Attempt:
    """The attempt if ``user`` may watch its room; ``Attempt.DoesNotExist`` otherwise (the view
    answers 404, never saying whether the attempt exists)."""
    return (
        Attempt.objects.visible_to_staff(user)
        .select_related("registration__candidate", "registration__room")
        .get(pk=attempt_id)
    )


def alert_for(user: Any, alert_id: int) -> Alert:
    return (
        Alert.objects.filter(attempt__in=Attempt.objects.visible_to_staff(user))
        .select_related("attempt__registration")
        .get(pk=alert_id)
    )


def room_for(user: Any, room_id: int) -> Room:
    return Room.objects.visible_to(user).get(pk=room_id)


def _room_group(attempt: Attempt) -> str:
    return events.room_group(attempt.registration.room_id)


def _clean(text: Any, *, max_chars: int, required: bool, field: str) -> str:
    if not isinstance(text, str):
        text = ""
    text = " ".join(text.split())  # one line: it crosses the page as one
    if required and not text:
        raise ActionRefused("required", _("Write the %(field)s.") % {"field": field})
    if len(text) > max_chars:
        raise ActionRefused(
            "too_long",
            _("The %(field)s is too long (at most %(max)s characters).")
            % {"field": field, "max": max_chars},
        )
    return text


def _check_live(attempt: Attempt) -> None:
    if attempt.status not in statuses.LIVE:
        raise ActionRefused("finished", _("This candidate's exam has already ended."))


def _within_message_rate(actor: Any) -> None:
    if not ratelimit.hit("proctor-message", str(actor.pk), limit=MESSAGES_PER_MINUTE):
        raise ActionRefused(
            "too_many", _("Too many messages in a minute. Wait a moment and send again.")
        )


# --- Summaries for the console -----------------------------------------------------------------


def _name(user: Any) -> str:
    return str(user.display_name) if user is not None else ""


def summarise_message(message: ProctorMessage) -> events.MessageSummary:
    return {
        "id": message.pk,
        "attempt": message.attempt_id,
        "kind": message.kind,
        "text": message.text,
        "sender": _name(message.sender),
        "sent_at": message.sent_at.isoformat(),
        "read_at": message.read_at.isoformat() if message.read_at else None,
    }


def summarise_violation(violation: Violation) -> events.ViolationSummary:
    return {
        "id": violation.pk,
        "attempt": violation.attempt_id,
        "kind": violation.kind,
        "label": str(violation.get_kind_display()),
        "note": violation.note,
        "recorded_by": _name(violation.recorded_by),
        "at": violation.at.isoformat(),
    }


def summarise_screenshot(shot: ProctorScreenshot) -> events.ScreenshotSummary:
    frame = shot.frame
    return {
        "id": shot.pk,
        "attempt": frame.attempt_id,
        "view": frame.view,
        "note": shot.note,
        "taken_by": _name(shot.taken_by),
        "at": frame.captured_at.isoformat(),
        "url": reverse("evidence:frame", args=[frame.pk]),
    }


def attempt_detail(attempt: Attempt) -> dict[str, Any]:
    """What the console's focus panel shows of one attempt beside the video."""
    messages = attempt.proctor_messages.select_related("sender")
    violations = attempt.violations.select_related("recorded_by")
    shots = ProctorScreenshot.objects.filter(frame__attempt=attempt).select_related(
        "frame", "taken_by"
    )
    return {
        "attempt": attempt.pk,
        "messages": [summarise_message(m) for m in messages],
        "violations": [summarise_violation(v) for v in violations],
        "screenshots": [summarise_screenshot(s) for s in shots.order_by("frame__captured_at")],
    }


def _publish_message(message: ProctorMessage, room_id: int) -> None:
    changed: events.MessageChanged = {
        "type": "message.changed",
        "message": summarise_message(message),
    }
    events.send_on_commit(events.room_group(room_id), dict(changed))


# --- Warnings, broadcasts and read receipts ---------------------------------------------------


def _deliver(message: ProctorMessage) -> None:
    warning: events.CandidateWarning = {
        "type": "candidate.warning",
        "id": message.pk,
        "text": message.text,
        "kind": message.kind,
    }
    events.send_on_commit(events.attempt_group(message.attempt_id), dict(warning))


def send_warning(
    attempt: Attempt, text: Any, *, actor: Any, request: HttpRequest | None = None
) -> ProctorMessage:
    """A bullet-screen warning on one candidate's exam page."""
    text = _clean(text, max_chars=MESSAGE_MAX_CHARS, required=True, field=_("warning"))
    _check_live(attempt)
    _within_message_rate(actor)
    with transaction.atomic():
        message = ProctorMessage.objects.create(
            attempt=attempt,
            kind=MessageKind.WARNING,
            text=text,
            sender=actor,
            sent_at=timezone.now(),
        )
        record("proctor.warning", actor=actor, target=attempt, request=request, text=text)
        _deliver(message)
        _publish_message(message, attempt.registration.room_id)
    return message


def broadcast(
    room: Room, text: Any, *, actor: Any, request: HttpRequest | None = None
) -> list[ProctorMessage]:
    """One line to every candidate live in ``room`` now, each with their own read receipt."""
    text = _clean(text, max_chars=MESSAGE_MAX_CHARS, required=True, field=_("message"))
    _within_message_rate(actor)
    with transaction.atomic():
        attempts = list(
            Attempt.objects.filter(registration__room=room, status__in=statuses.LIVE).only("pk")
        )
        if not attempts:
            raise ActionRefused("nobody", _("No candidate is in this room's exam now."))
        now, batch = timezone.now(), uuid.uuid4()
        sent = ProctorMessage.objects.bulk_create(
            ProctorMessage(
                attempt=attempt,
                kind=MessageKind.BROADCAST,
                text=text,
                broadcast_id=batch,
                sender=actor,
                sent_at=now,
            )
            for attempt in attempts
        )
        record(
            "proctor.broadcast",
            actor=actor,
            target=room,
            request=request,
            text=text,
            broadcast=str(batch),
            attempts=[a.pk for a in attempts],
        )
        for message in sent:
            _deliver(message)
            _publish_message(message, room.pk)
    return sent


def unread_messages(attempt_id: int) -> list[events.CandidateWarning]:
    """The lines a candidate's page has not confirmed yet, sent again when it (re)connects."""
    rows = ProctorMessage.objects.filter(attempt_id=attempt_id, read_at__isnull=True)
    return [{"type": "candidate.warning", "id": m.pk, "text": m.text, "kind": m.kind} for m in rows]


def mark_read(attempt_id: int, message_id: int) -> bool:
    """The candidate's page showed the line: the read receipt. Only the first one counts, and
    only for a line sent to that attempt."""
    with transaction.atomic():
        updated = ProctorMessage.objects.filter(
            pk=message_id, attempt_id=attempt_id, read_at__isnull=True
        ).update(read_at=timezone.now())
        if not updated:
            return False
        message = ProctorMessage.objects.select_related("sender", "attempt__registration").get(
            pk=message_id
        )
        _publish_message(message, message.attempt.registration.room_id)
    return True


# --- Violations, screenshots, alert decisions ---------------------------------------------------


def record_violation(
    attempt: Attempt,
    kind: Any,
    note: Any,
    *,
    actor: Any,
    request: HttpRequest | None = None,
    alert: Alert | None = None,
) -> Violation:
    if kind not in ViolationKind.values:
        raise ActionRefused("bad_kind", _("Choose the kind of violation."))
    note = _clean(
        note, max_chars=NOTE_MAX_CHARS, required=kind == ViolationKind.OTHER, field=_("note")
    )
    with transaction.atomic():
        violation = Violation.objects.create(
            attempt=attempt, kind=kind, note=note, recorded_by=actor, at=timezone.now(), alert=alert
        )
        record(
            "proctor.violation",
            actor=actor,
            target=attempt,
            request=request,
            kind=kind,
            note=note,
            alert=alert.pk if alert else None,
        )
        recorded: events.ViolationRecorded = {
            "type": "violation.recorded",
            "violation": summarise_violation(violation),
        }
        events.send_on_commit(_room_group(attempt), dict(recorded))
    return violation


def _screenshot_jpeg(upload: Any) -> bytes:
    """The uploaded picture as JPEG bytes, after checking it is a JPEG or PNG that decodes
    within the size limits. A JPEG is kept as sent (no re-encoding); a PNG becomes a JPEG, the
    one format evidence is served in."""
    from vision.images import ImageError, load_image

    if not isinstance(upload, UploadedFile):
        raise ActionRefused("no_image", _("Attach the screenshot."))
    if upload.size is None or upload.size > SCREENSHOT_MAX_BYTES:
        raise ActionRefused(
            "too_large",
            _("The screenshot is too large (at most %(mb)s MB).")
            % {"mb": SCREENSHOT_MAX_BYTES // (1024 * 1024)},
        )
    data = upload.read(SCREENSHOT_MAX_BYTES + 1)
    if not (data.startswith(JPEG_MAGIC) or data.startswith(PNG_MAGIC)):
        raise ActionRefused("not_image", _("The screenshot must be a JPEG or PNG image."))
    try:
        pixels = load_image(data)
    except ImageError as error:
        raise ActionRefused("not_image", error.message) from None
    if data.startswith(JPEG_MAGIC):
        return data
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=90)
    return out.getvalue()


def take_screenshot(
    attempt: Attempt,
    view: Any,
    upload: Any,
    note: Any,
    *,
    actor: Any,
    request: HttpRequest | None = None,
) -> ProctorScreenshot:
    """Keep a picture of view 1 or 2 as evidence, with the proctor's note."""
    try:
        view = int(view)
    except (TypeError, ValueError):
        view = 0
    if view not in (1, 2):
        raise ActionRefused("bad_view", _("Choose view 1 or view 2."))
    note = _clean(note, max_chars=NOTE_MAX_CHARS, required=False, field=_("note"))
    jpeg = _screenshot_jpeg(upload)
    with transaction.atomic():
        frame = EvidenceFrame(attempt=attempt, view=view, kind=EvidenceFrame.Kind.PROCTOR)
        uploads.save_with_file(frame, "image", "screenshot.jpg", jpeg)
        shot = ProctorScreenshot.objects.create(frame=frame, note=note, taken_by=actor)
        record(
            "proctor.screenshot",
            actor=actor,
            target=attempt,
            request=request,
            view=view,
            frame=frame.pk,
            note=note,
        )
        taken: events.ScreenshotTaken = {
            "type": "screenshot.taken",
            "screenshot": summarise_screenshot(shot),
        }
        events.send_on_commit(_room_group(attempt), dict(taken))
    return shot


def decide_alert(
    alert: Alert, decision: Any, note: Any, *, actor: Any, request: HttpRequest | None = None
) -> Alert:
    """Confirm an alert as a real behaviour or dismiss it as a false alarm. A decision is taken
    once; an alert still open is closed by it (the proctor has dealt with it: if the behaviour
    goes on, the next detection opens a new alert for a new decision)."""
    if decision not in AlertDecision.values:
        raise ActionRefused("bad_decision", _("Confirm or dismiss the alert."))
    note = _clean(note, max_chars=NOTE_MAX_CHARS, required=False, field=_("note"))
    now = timezone.now()
    with transaction.atomic():
        updated = Alert.objects.filter(pk=alert.pk, decision="").update(
            decision=decision, decision_note=note, decided_by=actor, decided_at=now
        )
        if not updated:
            raise ActionRefused("decided", _("Another proctor has already decided this alert."))
        alert.refresh_from_db()
        record(
            f"alert.{decision}",
            actor=actor,
            target=alert,
            request=request,
            kind=alert.kind,
            note=note,
        )
        closed = alert.status == AlertStatus.OPEN and services.transition_to(
            alert, AlertStatus.CLOSED, at=now, reason=f"{decision} by proctor"
        )
        if not closed:  # transition_to publishes the change itself
            alert_events.alert_changed_on_commit(alert.pk)
    return alert


# --- Ending a candidate's exam ------------------------------------------------------------------


def end_exam(
    attempt: Attempt, reason: Any, *, actor: Any, request: HttpRequest | None = None
) -> None:
    """End the candidate's exam now: the attempt is terminated (audited with the reason), the
    answer API refuses further answers, and the candidate's pages are told to stop."""
    reason = _clean(reason, max_chars=NOTE_MAX_CHARS, required=True, field=_("reason"))
    _check_live(attempt)
    with transaction.atomic():
        moved = exam_services.transition_to(
            attempt, AttemptStatus.TERMINATED, actor=actor, request=request, reason=reason
        )
        if not moved:  # submitted, timed out or ended by another proctor a moment ago
            raise ActionRefused("finished", _("This candidate's exam has already ended."))
        terminated: events.CandidateTerminated = {
            "type": "candidate.terminated",
            "reason": reason,
        }
        events.send_on_commit(events.attempt_group(attempt.pk), dict(terminated))


def termination_reason(attempt_id: int) -> str:
    """The reason a proctor gave for ending the attempt (from its audit row)."""
    from audit.models import AuditEntry

    entry = (
        AuditEntry.objects.filter(
            action=f"attempt.{AttemptStatus.TERMINATED}",
            target_type=Attempt._meta.label_lower,
            target_id=str(attempt_id),
        )
        .order_by("-pk")
        .values_list("data", flat=True)
        .first()
    )
    return str((entry or {}).get("reason", ""))
