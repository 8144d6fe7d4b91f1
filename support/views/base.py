"""What every support page shares: who may use the staff pages, the page size, the candidate
search box, and the rooms a staff user sees."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts.roles import Role

SUPPORT = (Role.SITE_ADMIN, Role.ORG_ADMIN)
PAGE_SIZE = 30


def paginate(request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """The page of ``queryset`` named by ``?page=`` (the last one when out of range)."""
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def candidate_search(field: str, text: str) -> Q:
    """Rows whose candidate (at ``field``) has ``text`` in the name or an ID number starting with
    it; everything when ``text`` is blank."""
    text = text.strip()
    if not text:
        return Q()
    return Q(**{f"{field}__name__icontains": text}) | Q(
        **{f"{field}__id_number__startswith": text.upper()}
    )


def rooms_of(user: Any) -> QuerySet[Any]:
    """The rooms ``user`` may see (``Room.objects.visible_to``)."""
    from centres.models import Room

    return Room.objects.visible_to(user)
