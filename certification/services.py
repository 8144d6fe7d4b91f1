"""Workflows of certification records whose state has a life cycle: ``IssuedCertificate.status``
changes only through ``transition_to`` (conditional update + audit row)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from audit import lifecycle
from certification import statuses
from certification.models import IssuedCertificate


def transition_to(
    certificate: IssuedCertificate,
    new_status: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    reason: str = "",
    **fields: Any,
) -> bool:
    """Move ``certificate`` to ``new_status`` unless someone else moved it first (False).
    Raises ``IllegalTransition`` for a move the life cycle forbids."""
    return lifecycle.move(
        certificate,
        new_status,
        cycle=statuses.CERTIFICATE,
        action="certificate",
        actor=actor,
        request=request,
        audit={"reason": reason},
        **fields,
    )
