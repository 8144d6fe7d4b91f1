"""Workflows of proctoring records whose state has a life cycle: ``Alert.status`` changes only
through ``transition_to`` (conditional update + audit row, published after commit)."""

from __future__ import annotations

import datetime as dt

from audit import lifecycle
from proctoring import alert_events
from proctoring.models import Alert
from proctoring.statuses import ALERT


def transition_to(alert: Alert, new_status: str, *, at: dt.datetime, reason: str = "") -> bool:
    """Move ``alert`` to ``new_status`` if nobody else moved it first (False otherwise).

    Raises ``IllegalTransition`` for a move the life cycle forbids. Every move is a closing one
    today, so ``at`` is written as ``closed_at``; a move is published to the room's group after
    the commit.
    """
    moved = lifecycle.move(
        alert,
        new_status,
        cycle=ALERT,
        action="alert",
        closed_at=at,
        audit={"kind": alert.kind, "reason": reason, "count": alert.count},
    )
    if moved:
        alert_events.alert_changed_on_commit(alert.pk)
    return moved
