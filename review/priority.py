"""An attempt's review priority (issue 16 §1): the severity-weighted number of real incidents
its alerts are expected to show.

Each alert counts ``SEVERITY_WEIGHT[severity] × p``, where ``p`` is the chance it is real: 1 for
an alert confirmed already, 0 for one dismissed, otherwise the rule's measured precision
(``review.precision``, estimated) times the model's confidence in what it saw. An alert without a
confidence (0, never given) counts half. Weights grow by three a step so one high alert outranks
two medium ones: a phone in the hand matters more than two dropped connections.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from proctoring.models import Alert, AlertDecision

SEVERITY_WEIGHT = {1: 1.0, 2: 3.0, 3: 9.0}
UNKNOWN_CONFIDENCE = 0.5


def chance_real(alert: Alert, precision: Mapping[str, float]) -> float:
    if alert.decision == AlertDecision.CONFIRMED:
        return 1.0
    if alert.decision == AlertDecision.DISMISSED:
        return 0.0
    confidence = alert.confidence if alert.confidence > 0 else UNKNOWN_CONFIDENCE
    return precision.get(alert.kind, 0.5) * min(1.0, confidence)


def priority(alerts: Iterable[Alert], precision: Mapping[str, float]) -> float:
    return round(
        sum(SEVERITY_WEIGHT.get(a.severity, 1.0) * chance_real(a, precision) for a in alerts), 2
    )
