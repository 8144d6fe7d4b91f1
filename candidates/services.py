"""Workflows of candidate records whose state has a life cycle: ``Candidate.verification``
changes only through ``transition_to`` (conditional update + audit row)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from audit import lifecycle
from candidates import statuses
from candidates.models import Candidate


def transition_to(
    candidate: Candidate,
    new_status: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    note: str = "",
) -> bool:
    """Move ``candidate`` to ``new_status`` unless someone else moved it first (then False).
    Raises ``IllegalTransition`` for a move the life cycle forbids. ``note`` is kept on the
    record (``verification_note``) and in the audit row."""
    return lifecycle.move(
        candidate,
        new_status,
        cycle=statuses.VERIFICATION,
        action="candidate",
        actor=actor,
        request=request,
        field="verification",
        audit={"note": note},
        verification_note=note,
    )
