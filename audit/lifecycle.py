"""The one function that moves an object along its life cycle: ``move``.

Each app's ``services.transition_to`` (the name a reader looks for) calls it with the app's
``core.lifecycle.LifeCycle``. It lives in ``audit`` because every move writes an audit row in
the same transaction; the tables and the check stay in ``core``, which imports no project app.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from audit.services import record
from core.lifecycle import LifeCycle


def move(
    obj: models.Model,
    new_status: str,
    *,
    cycle: LifeCycle,
    action: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    field: str = "status",
    audit: dict[str, Any] | None = None,
    **fields: Any,
) -> bool:
    """Move ``obj.<field>`` to ``new_status`` if nobody moved it first.

    Raises ``core.lifecycle.IllegalTransition`` (writing nothing) for a move ``cycle`` forbids.
    ``fields`` are written in the same UPDATE. Returns False, writing nothing, when the row no
    longer had the state ``obj`` was read with; the caller decides whether that is fine. The
    audit row is ``<action>.<new status>`` with the old state and ``audit``.

    Why a conditional UPDATE (``WHERE pk = … AND status = <old>``) and not read-check-save: two
    requests, workers or proctors may move the same row at once (a submit racing the time-out,
    two members of staff deciding one request). The database lets exactly one UPDATE match the
    old state; the other sees 0 rows and makes no move and no audit row, without holding a row
    lock while the caller works.
    """
    old_status = getattr(obj, field)
    cycle.check(old_status, new_status)
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
