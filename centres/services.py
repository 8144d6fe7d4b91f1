"""Workflows of exam sites: applying, the organisation's review, staff and rooms (R-CERT-5…7)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from audit import lifecycle
from centres import statuses
from centres.models import Site
from centres.statuses import SiteStatus


class SiteNotApproved(Exception):
    """Raised when a site that is not an approved exam site tries to set up rooms."""


def transition_to(
    site: Site,
    new_status: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    reason: str = "",
    **fields: Any,
) -> bool:
    """Move ``site`` to ``new_status`` unless someone else moved it first (then False).
    Raises ``IllegalTransition`` for a move the life cycle forbids."""
    return lifecycle.move(
        site,
        new_status,
        cycle=statuses.SITE,
        action="site",
        actor=actor,
        request=request,
        audit={"reason": reason},
        **fields,
    )


def apply(site: Site, application: str, *, actor: Any, request: HttpRequest | None = None) -> bool:
    return transition_to(
        site, SiteStatus.APPLIED, actor=actor, request=request, application=application
    )


def review(
    site: Site,
    *,
    approve: bool,
    reason: str,
    actor: Any,
    request: HttpRequest | None = None,
) -> bool:
    new_status = SiteStatus.APPROVED if approve else SiteStatus.REJECTED
    return transition_to(
        site, new_status, actor=actor, request=request, reason=reason, review_reason=reason
    )


def require_approved(site: Site) -> None:
    if site.status != SiteStatus.APPROVED:
        raise SiteNotApproved


def site_proctors(site: Site) -> Any:
    """The proctor accounts of ``site``: the only people its rooms can be given to."""
    from accounts.models import User
    from accounts.roles import Role

    return User.objects.filter(role=Role.PROCTOR, site=site, is_active=True).order_by("username")


def set_room_proctors(
    room: Any, proctor_ids: list[int], *, actor: Any, request: HttpRequest | None = None
) -> tuple[int, int]:
    """Give ``room`` exactly these proctors, all of them accounts of the room's site (others
    are ignored, never added). Returns (added, removed); audited in the same transaction."""
    from django.db import transaction

    from audit.services import record

    wanted = set(site_proctors(room.site).filter(pk__in=proctor_ids).values_list("pk", flat=True))
    with transaction.atomic():
        current = set(room.proctors.values_list("pk", flat=True))
        added, removed = wanted - current, current - wanted
        if added:
            room.proctors.add(*added)
        if removed:
            room.proctors.remove(*removed)
        if added or removed:
            record(
                "room.proctors_changed",
                actor=actor,
                target=room,
                request=request,
                added=sorted(added),
                removed=sorted(removed),
            )
    return len(added), len(removed)
