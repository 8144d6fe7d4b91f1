"""Each alert rule's precision, measured from the proctors' and reviewers' decisions (issue 15
§4): of the alerts of a kind that someone decided, the share confirmed as real
(``Alert.decision``). A review's "no action" dismisses the alert, so precision here is the share
of alerts worth acting on, which is what a false flag costs a reviewer.

The queue's priority needs an estimate even for a rule with few decisions: ``estimate`` adds one
confirmed and one dismissed decision to what was measured (Laplace's rule), so a rule nobody has
decided counts as 50 % and a rule with 2 of 2 confirmed as 75 %, not 100 %.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from proctoring.models import Alert, AlertDecision, AlertKind


@dataclass(frozen=True)
class RulePrecision:
    kind: str
    raised: int
    confirmed: int
    dismissed: int

    @property
    def decided(self) -> int:
        return self.confirmed + self.dismissed

    @property
    def precision(self) -> float | None:
        """Measured: confirmed / decided; None before any decision."""
        return self.confirmed / self.decided if self.decided else None

    @property
    def estimate(self) -> float:
        return (self.confirmed + 1) / (self.decided + 2)

    def interval(self, z: float = 1.96) -> tuple[float, float] | None:
        """The 95 % Wilson interval of the precision (None before any decision): with few
        decisions the page shows how little the figure says."""
        n = self.decided
        if not n:
            return None
        p = self.confirmed / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    @property
    def label(self) -> str:
        return str(AlertKind(self.kind).label) if self.kind in AlertKind.values else self.kind


def by_rule(alerts: QuerySet[Alert] | None = None) -> dict[str, RulePrecision]:
    """Every alert kind's figures over ``alerts`` (default: every alert), kinds never raised
    included."""
    rows = (
        (Alert.objects.all() if alerts is None else alerts)
        .order_by()
        .values("kind", "decision")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["kind"], {})[row["decision"]] = row["n"]
    return {
        kind: RulePrecision(
            kind=kind,
            raised=sum(counts.get(kind, {}).values()),
            confirmed=counts.get(kind, {}).get(AlertDecision.CONFIRMED, 0),
            dismissed=counts.get(kind, {}).get(AlertDecision.DISMISSED, 0),
        )
        for kind in AlertKind.values
    }


def estimates(rules: Iterable[RulePrecision]) -> dict[str, float]:
    return {rule.kind: rule.estimate for rule in rules}
