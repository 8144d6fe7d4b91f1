"""The one function that changes the status of a support conversation or make-up request."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core import lifecycle
from support.models import Conversation, MakeupRequest
from support.statuses import CONVERSATION_ALLOWED, MAKEUP_ALLOWED, IllegalTransition

_TABLES: dict[type, tuple[str, dict[str, frozenset[str]]]] = {
    Conversation: ("conversation", CONVERSATION_ALLOWED),
    MakeupRequest: ("makeup", MAKEUP_ALLOWED),
}


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
    kind, allowed = _TABLES[type(obj)]

    def check(old_status: str, new: str) -> None:
        if new not in allowed.get(old_status, frozenset()):
            raise IllegalTransition(kind, old_status, new)

    return lifecycle.move(
        obj,
        new_status,
        check=check,
        action=f"support.{kind}",
        actor=actor,
        request=request,
        audit={"reason": reason},
        **fields,
    )
