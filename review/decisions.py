"""A reviewer's decisions (issue 16 §1): per alert and per attempt, each no action, warning or
violation with a reason.

One mechanism, not two. An alert's decision stays ``Alert.decision`` (what the console's
confirm and dismiss write, what the rules' precision is measured from), and a breach stays a
``Violation`` (what the console's "record a violation" writes): no action dismisses the alert,
a warning confirms it, a violation confirms it and records a violation linked to it. So a
proctor's live decision and a reviewer's later one cannot disagree, the precision counts both,
and every breach of an attempt is in one list whoever found it. An alert a proctor decided live
is not decided again: the review reads its outcome from that decision.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from core.errors import Refused
from proctoring import actions
from proctoring.models import Alert, AlertDecision, AlertKind, ViolationKind
from review import claims
from review.models import OUTCOME_WEIGHT, AttemptReview, Outcome
from review.services import transition_to
from review.statuses import ReviewStatus

REASON_MAX_CHARS = 500

# The kind of violation a confirmed alert of each kind is recorded as.
VIOLATION_OF: dict[str, str] = {
    AlertKind.LEFT_SEAT: ViolationKind.LEFT_SEAT,
    AlertKind.EXTRA_PERSON: ViolationKind.ANOTHER_PERSON,
    AlertKind.DEVICE: ViolationKind.DEVICE,
    AlertKind.FACE_COVERED: ViolationKind.VIEW_BLOCKED,
    AlertKind.DIFFERENT_PERSON: ViolationKind.IMPERSONATION,
    AlertKind.SECOND_VIEW_LOST: ViolationKind.VIEW_BLOCKED,
    AlertKind.CAMERA_LOST: ViolationKind.VIEW_BLOCKED,
    AlertKind.TALKING: ViolationKind.ANOTHER_PERSON,
    AlertKind.SECOND_SIGN_IN: ViolationKind.IMPERSONATION,
    AlertKind.EXTRA_DISPLAY: ViolationKind.MATERIALS,
}


class DecisionRefused(Refused):
    code = "refused"


def _reason(value: Any) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        raise DecisionRefused(_("Give the reason for the decision."), code="no_reason")
    if len(text) > REASON_MAX_CHARS:
        raise DecisionRefused(
            _("The reason is too long (at most %(n)d characters).") % {"n": REASON_MAX_CHARS},
            code="too_long",
        )
    return text


def _outcome(value: Any) -> str:
    if value not in Outcome.values:
        raise DecisionRefused(_("Choose no action, a warning or a violation."), code="bad_outcome")
    return str(value)


def alert_outcome(alert: Alert, violation_alerts: set[int]) -> str:
    """The review outcome an alert's decision means ("" while undecided)."""
    if alert.decision == AlertDecision.DISMISSED:
        return Outcome.NO_ACTION
    if alert.decision == AlertDecision.CONFIRMED:
        return Outcome.VIOLATION if alert.pk in violation_alerts else Outcome.WARNING
    return ""


def violation_alerts(attempt: Any) -> set[int]:
    return set(attempt.violations.filter(alert__isnull=False).values_list("alert_id", flat=True))


def decide_alert(
    review: AttemptReview,
    alert_id: Any,
    outcome: Any,
    reason: Any,
    *,
    actor: Any,
    request: HttpRequest | None = None,
) -> Alert:
    """Decide one alert of the attempt ``review`` is of, as the reviewer who holds it. Refused,
    writing nothing, for an alert of another attempt, one decided already, a missing reason or
    an outcome not offered, or a reviewer who does not hold the attempt (any more)."""
    outcome = _outcome(outcome)
    reason = _reason(reason)
    alert = Alert.objects.filter(attempt_id=review.attempt_id, pk=alert_id).first()
    if alert is None:
        raise DecisionRefused(_("This alert is not one of this attempt's."), code="not_found")
    with transaction.atomic():
        claims.renew(review, actor)
        decision = (
            AlertDecision.DISMISSED if outcome == Outcome.NO_ACTION else AlertDecision.CONFIRMED
        )
        alert = actions.decide_alert(alert, decision, reason, actor=actor, request=request)
        if outcome == Outcome.VIOLATION:
            actions.record_violation(
                review.attempt,
                VIOLATION_OF.get(alert.kind, ViolationKind.OTHER),
                reason,
                actor=actor,
                request=request,
                alert=alert,
            )
        record(
            "review.alert_decided",
            actor=actor,
            target=review.attempt,
            request=request,
            alert=alert.pk,
            outcome=outcome,
            reason=reason,
        )
    return alert


def finish(
    review: AttemptReview,
    outcome: Any,
    reason: Any,
    *,
    actor: Any,
    request: HttpRequest | None = None,
) -> AttemptReview:
    """Finish the review with the attempt's outcome. Refused, writing nothing, while an alert is
    undecided, for an outcome milder than one of its alerts' (a violation found stays one), or
    for a reviewer who does not hold the attempt. A violation with no violation recorded yet is
    recorded (kind "other", the reason as its note): every breach is a ``Violation``."""
    outcome = _outcome(outcome)
    reason = _reason(reason)
    with transaction.atomic():
        claims.renew(review, actor)
        review = AttemptReview.objects.select_for_update().get(pk=review.pk)
        attempt = review.attempt
        alerts = list(attempt.alerts.all())
        if any(not a.decision for a in alerts):
            raise DecisionRefused(
                _("Decide every alert before finishing the review."), code="undecided"
            )
        linked = violation_alerts(attempt)
        strongest = max(
            (OUTCOME_WEIGHT[Outcome(alert_outcome(a, linked))] for a in alerts), default=0
        )
        if OUTCOME_WEIGHT[Outcome(outcome)] < strongest:
            raise DecisionRefused(
                _("The outcome cannot be milder than an alert's decision."), code="milder"
            )
        if outcome == Outcome.VIOLATION and not attempt.violations.exists():
            actions.record_violation(
                attempt, ViolationKind.OTHER, reason, actor=actor, request=request
            )
        now = timezone.now()
        moved = transition_to(
            review,
            ReviewStatus.FINISHED,
            actor=actor,
            request=request,
            audit={"outcome": outcome, "reason": reason},
            outcome=outcome,
            reason=reason,
            finished_by=actor,
            finished_at=now,
            claimed_by=None,
            claim_expires_at=None,
        )
        if not moved:
            raise DecisionRefused(_("This review is finished already."), code="finished")
    return review
