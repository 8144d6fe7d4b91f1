"""Random snapshots through the exam (R-PROC-4): each attempt gets its own random times, drawn
once with the system's random source, and the first analysed frame at or after each time is
kept as a snapshot."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction

from proctoring.models import EvidenceFrame, SnapshotPlan


def plan_for(attempt: Any) -> SnapshotPlan:
    plan = SnapshotPlan.objects.filter(attempt=attempt).first()
    if plan is not None:
        return plan
    span = max(60.0, (attempt.deadline - attempt.started_at).total_seconds())
    count = max(1, round(span / 3600 * settings.VISION_SNAPSHOTS_PER_HOUR))
    rng = secrets.SystemRandom()
    times = sorted(
        attempt.started_at + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(count)
    )
    plan, _ = SnapshotPlan.objects.get_or_create(
        attempt=attempt, defaults={"due": [t.isoformat() for t in times]}
    )
    return plan


def take_if_due(frame: EvidenceFrame) -> bool:
    """Keep ``frame`` as a snapshot if one is due; True when it was kept. Snapshots are drawn
    over the answering time: a frame from before it (the camera streams from the steps before
    answering, the room scan and the waiting room) is never one."""
    attempt = frame.attempt
    if attempt.started_at is None or attempt.deadline is None:
        return False
    with transaction.atomic():
        plan = SnapshotPlan.objects.select_for_update().get(pk=plan_for(frame.attempt).pk)
        due = [dt.datetime.fromisoformat(t) for t in plan.due]
        passed = [t for t in due if t <= frame.captured_at]
        if not passed:
            return False
        plan.due = [t.isoformat() for t in due if t > frame.captured_at]
        plan.save(update_fields=["due"])
        EvidenceFrame.objects.filter(pk=frame.pk).update(kind=EvidenceFrame.Kind.SNAPSHOT)
        frame.kind = EvidenceFrame.Kind.SNAPSHOT
    return True
