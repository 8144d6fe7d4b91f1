"""The candidate's side of the review (issue 16 §5): the flags the review decided, shown in plain
language when the exam's policy allows, and the candidate's one appeal against them.

What the candidate sees: only the alerts a reviewer (or a proctor live) confirmed, that is the
warnings and the violations; an alert dismissed ("no action") or never decided is not a flag.
Each is told by its kind, when in the attempt it began, the reviewer's reason and a count of
the evidence kept ("2 camera frames, 1 audio clip"): never the evidence itself, which may show
others (the room, a person who walked in) and stays with the staff.

The appeal: once per attempt (the database's one-to-one too), within the exam's
``appeal_window_days`` of the review's finish, with a statement and one PDF, JPEG or PNG
recognised by its first bytes. A second reviewer decides it: none of the people who decided the
attempt's alerts or finished its review. Upheld, every flag is withdrawn: the alerts become
dismissed ("no action") and the violations recorded from them are deleted, each withdrawal
audited with what it was, and the review's outcome follows what remains. Rejected, nothing
changes. The candidate is told either way through the notifications gateway.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import record
from core.errors import Refused
from exams.models import Attempt
from inspections.uploads import sniff
from notifications import services as notifications
from notifications.models import Delivery
from proctoring.models import Alert, AlertDecision, AudioChunk, EvidenceFrame, Violation
from proctoring.uploads import save_with_file
from review.decisions import REASON_MAX_CHARS, alert_outcome, violation_alerts
from review.models import Appeal, AttemptReview, Outcome
from review.services import transition_to
from review.statuses import AppealStatus, ReviewStatus

STATEMENT_MAX_CHARS = 4000

# Recognised by the first bytes (the project's one sniffer, ``inspections.uploads.sniff``), never
# by the name or the browser's content type.
_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


class AppealRefused(Refused):
    code = "refused"


@dataclass(frozen=True)
class Flag:
    alert: Alert
    kind: str
    outcome: str
    at_minutes: int
    reason: str
    evidence: str


def finished_review(attempt: Attempt) -> AttemptReview | None:
    return AttemptReview.objects.filter(attempt=attempt, status=ReviewStatus.FINISHED).first()


def flags_visible(attempt: Attempt) -> bool:
    """Whether the candidate may see the decided flags now: the exam's policy allows it and
    the review is finished (before that a decision may still change)."""
    return bool(attempt.registration.exam.flags_visible_to_candidate) and (
        finished_review(attempt) is not None
    )


def _kept(model: type[EvidenceFrame] | type[AudioChunk], raised_by: str) -> Subquery:
    """How many of ``model``'s rows belong to the alert of the outer query: those of its span
    and the one that raised it (``raised_by``), counted in the alerts' own query."""
    span = Q(captured_at__gte=OuterRef("opened_at"), captured_at__lte=OuterRef("last_seen_at"))
    rows = model.objects.filter(Q(pk=OuterRef(raised_by)) | span, attempt_id=OuterRef("attempt_id"))
    return Subquery(
        rows.order_by().values("attempt_id").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


def evidence_summary(frames: int | None, clips: int | None) -> str:
    """How much evidence is kept for an alert, in words."""
    parts = []
    if frames:
        parts.append(ngettext("%(n)d camera frame", "%(n)d camera frames", frames) % {"n": frames})
    if clips:
        parts.append(ngettext("%(n)d audio clip", "%(n)d audio clips", clips) % {"n": clips})
    return ", ".join(parts) if parts else _("the recording only")


def decided_flags(attempt: Attempt) -> list[Flag]:
    """The attempt's warnings and violations, oldest first: one query for the alerts with
    their evidence counts, one for the violations' alerts."""
    linked = violation_alerts(attempt)
    start = attempt.started_at or attempt.created_at
    alerts = (
        attempt.alerts.filter(decision=AlertDecision.CONFIRMED)
        .annotate(
            frames=_kept(EvidenceFrame, "evidence_id"),
            clips=_kept(AudioChunk, "audio_evidence_id"),
        )
        .order_by("opened_at")
    )
    flags = []
    for alert in alerts:
        outcome = alert_outcome(alert, linked)
        flags.append(
            Flag(
                alert=alert,
                kind=alert.get_kind_display(),
                outcome=str(Outcome(outcome).label),
                at_minutes=max(0, int((alert.opened_at - start).total_seconds() // 60)),
                reason=alert.decision_note,
                evidence=evidence_summary(alert.frames, alert.clips),
            )
        )
    return flags


def deadline(review: AttemptReview) -> dt.datetime:
    assert review.finished_at is not None
    return review.finished_at + dt.timedelta(days=review.exam.appeal_window_days)


def refusal(attempt: Attempt, now: dt.datetime | None = None) -> AppealRefused | None:
    """Why the candidate may not appeal now, or None when they may."""
    review = finished_review(attempt)
    if not attempt.registration.exam.flags_visible_to_candidate or review is None:
        return AppealRefused(_("This exam does not offer appeals."), code="not_offered")
    if Appeal.objects.filter(attempt=attempt).exists():
        return AppealRefused(
            _("You have appealed already: an attempt may be appealed once."), code="appealed"
        )
    if not attempt.alerts.filter(decision=AlertDecision.CONFIRMED).exists():
        return AppealRefused(_("There is no flag to appeal."), code="nothing")
    closes = deadline(review)
    if (now or timezone.now()) >= closes:
        return AppealRefused(
            _("The time for an appeal ended on %(date)s.")
            % {"date": formats.date_format(timezone.localtime(closes), "DATETIME_FORMAT")},
            code="too_late",
        )
    return None


def _statement(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise AppealRefused(_("Write your statement."), code="no_statement")
    if len(text) > STATEMENT_MAX_CHARS:
        raise AppealRefused(
            _("The statement is too long (at most %(n)d characters).") % {"n": STATEMENT_MAX_CHARS},
            code="too_long",
        )
    return text


def read_attachment(upload: UploadedFile | None) -> tuple[bytes, str]:
    """The attachment's bytes and type, or a refusal (missing, empty, too large, not a PDF,
    JPEG or PNG)."""
    if upload is None:
        raise AppealRefused(_("Attach one PDF, JPEG or PNG file."), code="no_attachment")
    size, limit = upload.size or 0, settings.REVIEW_APPEAL_ATTACHMENT_MAX_BYTES
    if size == 0:
        raise AppealRefused(_("The attachment is empty."), code="bad_attachment")
    if size > limit:
        raise AppealRefused(
            _("The attachment is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read()
    content_type = sniff(data[:16])
    if content_type not in _TYPES:  # a WebP photo too: the sniffer knows it, appeals do not
        raise AppealRefused(
            _("The attachment must be a PDF, JPEG or PNG file."), code="bad_attachment"
        )
    return data, content_type


def file_appeal(
    attempt: Attempt,
    statement: Any,
    attachment: UploadedFile | None,
    *,
    actor: Any,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Appeal:
    """Store the candidate's appeal, or refuse with the reason, writing nothing."""
    problem = refusal(attempt, now)
    if problem is not None:
        raise problem
    text = _statement(statement)
    data, content_type = read_attachment(attachment)
    appeal = Appeal(attempt=attempt, statement=text, attachment_type=content_type)

    def audited() -> None:
        record(
            "review.appeal.submitted",
            actor=actor,
            target=attempt,
            request=request,
            appeal=appeal.pk,
            sha256=appeal.sha256,
        )

    try:
        save_with_file(appeal, "attachment", f"appeal.{_TYPES[content_type]}", data, then=audited)
    except IntegrityError:  # a second submission racing the first
        raise AppealRefused(
            _("You have appealed already: an attempt may be appealed once."), code="appealed"
        ) from None
    return appeal


def first_reviewers(attempt: Attempt) -> set[int]:
    """Who decided the attempt's alerts or finished its review: none of them may decide its
    appeal."""
    ids = set(
        attempt.alerts.filter(decided_by__isnull=False).values_list("decided_by_id", flat=True)
    )
    review = AttemptReview.objects.filter(attempt=attempt).first()
    if review is not None and review.finished_by_id:
        ids.add(review.finished_by_id)
    return ids


def _reason(value: Any) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        raise AppealRefused(_("Give the reason for the decision."), code="no_reason")
    if len(text) > REASON_MAX_CHARS:
        raise AppealRefused(
            _("The reason is too long (at most %(n)d characters).") % {"n": REASON_MAX_CHARS},
            code="too_long",
        )
    return text


def _withdraw_flags(appeal: Appeal, reason: str, *, actor: Any, request: Any) -> None:
    """Upheld: every flag of the attempt becomes "no action". The alert keeps who decided it
    first in the audit row written here (its old decision, note and violations)."""
    attempt = appeal.attempt
    note = (_("Appeal upheld: %(reason)s") % {"reason": reason})[:REASON_MAX_CHARS]
    now = timezone.now()
    for alert in attempt.alerts.select_for_update().filter(decision=AlertDecision.CONFIRMED):
        violations = list(Violation.objects.filter(alert=alert))
        record(
            "review.flag_withdrawn",
            actor=actor,
            target=alert,
            request=request,
            appeal=appeal.pk,
            old_decision=alert.decision,
            old_note=alert.decision_note,
            old_decided_by=alert.decided_by_id,
            violations=[
                {"kind": v.kind, "note": v.note, "at": v.at.isoformat()} for v in violations
            ],
        )
        Violation.objects.filter(pk__in=[v.pk for v in violations]).delete()
        Alert.objects.filter(pk=alert.pk).update(
            decision=AlertDecision.DISMISSED, decision_note=note, decided_by=actor, decided_at=now
        )
    review = AttemptReview.objects.select_for_update().get(attempt=attempt)
    # What remains decides the outcome: a violation a proctor recorded live without an alert
    # is not a flag the candidate saw, so the appeal leaves it.
    outcome = Outcome.VIOLATION if attempt.violations.exists() else Outcome.NO_ACTION
    if review.outcome != outcome:
        record(
            "review.outcome_changed",
            actor=actor,
            target=attempt,
            request=request,
            appeal=appeal.pk,
            old_outcome=review.outcome,
            outcome=outcome,
        )
        AttemptReview.objects.filter(pk=review.pk).update(outcome=outcome)


def decide(
    appeal: Appeal,
    uphold: bool,
    reason: Any,
    *,
    actor: Any,
    request: HttpRequest | None = None,
) -> Appeal:
    """Uphold or reject the appeal, as a second reviewer, with a reason. Refused, writing
    nothing, for one of the attempt's first reviewers, a missing reason, or an appeal decided
    already."""
    reason = _reason(reason)
    if actor.pk in first_reviewers(appeal.attempt):
        raise AppealRefused(
            _("A second reviewer decides the appeal: you decided this attempt's flags."),
            code="same_reviewer",
        )
    new_status = AppealStatus.UPHELD if uphold else AppealStatus.REJECTED
    with transaction.atomic():
        moved = appeal.status == AppealStatus.SUBMITTED and transition_to(
            appeal,
            new_status,
            actor=actor,
            request=request,
            audit={"reason": reason},
            decided_by=actor,
            decided_at=timezone.now(),
            decision_reason=reason,
        )
        if not moved:
            raise AppealRefused(_("This appeal is decided already."), code="decided")
        if uphold:
            _withdraw_flags(appeal, reason, actor=actor, request=request)
        _tell_candidate(appeal, uphold)
    return appeal


def _tell_candidate(appeal: Appeal, upheld: bool) -> None:
    candidate = appeal.attempt.registration.candidate
    if not candidate.phone.strip():
        return
    title = appeal.attempt.registration.exam.title
    with translation.override(settings.LANGUAGE_CODE):
        if upheld:
            body = _("%(title)s: your appeal was upheld and the flags were withdrawn.")
        else:
            body = _("%(title)s: your appeal was rejected. Sign in to read the reason.")
        body = body % {"title": title}
    notifications.queue(
        Delivery.Channel.SMS, candidate.phone, body, purpose="review.appeal_decided", about=appeal
    )
