"""The one function that changes the status of a support conversation or make-up request."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from audit import lifecycle
from core.lifecycle import LifeCycle
from support.models import Conversation, MakeupRequest
from support.statuses import CONVERSATION, MAKEUP

_CYCLES: dict[type, LifeCycle] = {Conversation: CONVERSATION, MakeupRequest: MAKEUP}


def transition_to(
    obj: Conversation | MakeupRequest,
    new_status: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    reason: str = "",
    **fields: Any,
) -> bool:
    """Move ``obj`` to ``new_status`` if nobody else moved it first.

    Raises ``IllegalTransition`` for a move its life cycle forbids. Returns False when the row's
    status was no longer ``obj.status`` (another member of staff decided first). Writes the audit
    row ``support.<kind>.<new status>`` with the old status and the reason.
    """
    cycle = _CYCLES[type(obj)]
    return lifecycle.move(
        obj,
        new_status,
        cycle=cycle,
        action=f"support.{cycle.kind}",
        actor=actor,
        request=request,
        audit={"reason": reason},
        **fields,
    )
