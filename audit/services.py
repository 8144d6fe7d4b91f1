"""Writing audit entries. Call ``record`` inside the transaction that makes the change."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from audit.models import AuditEntry
from core.http import client_ip


def record(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    **data: Any,
) -> AuditEntry:
    """Record ``action`` (a dotted verb such as ``attempt.submitted``) on ``target`` by ``actor``.

    ``actor`` defaults to the request's user; anonymous and system actions have no actor.
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data,
        ip=(client_ip(request) or None) if request is not None else None,
    )
