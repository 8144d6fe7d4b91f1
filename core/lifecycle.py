"""The one mechanism behind every life cycle's ``transition_to`` (attempts, sites, candidates'
verification, certificates, rectification items, support requests, alerts, identity checks,
background jobs).

Each app keeps its own states, its table of allowed moves and its own ``transition_to`` (the
name a reader looks for); that function calls ``move``, which checks the move, applies it with
a conditional UPDATE on the expected old state, so that of two concurrent moves only one
happens, and writes the audit row inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from audit.services import record


def move(
    obj: models.Model,
    new_status: str,
    *,
    check: Callable[[str, str], None],
    action: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    field: str = "status",
    audit: dict[str, Any] | None = None,
    **fields: Any,
) -> bool:
    """Move ``obj.<field>`` to ``new_status`` if nobody moved it first.

    ``check(old, new)`` raises the app's own error for a move its life cycle forbids. ``fields``
    are written in the same UPDATE. Returns False, writing nothing, when the row no longer had
    the state ``obj`` was read with; the caller decides whether that is fine. The audit row is
    ``<action>.<new status>`` with the old state and ``audit``.
    """
    old_status = getattr(obj, field)
    check(old_status, new_status)
    with transaction.atomic():
        updated = (
            type(obj)
            ._default_manager.filter(pk=obj.pk, **{field: old_status})
            .update(**{field: new_status}, **fields)
        )
        if updated != 1:
            return False
        setattr(obj, field, new_status)
        for name, value in fields.items():
            setattr(obj, name, value)
        record(
            f"{action}.{new_status}",
            actor=actor,
            target=obj,
            request=request,
            old_status=old_status,
            **(audit or {}),
        )
    return True
