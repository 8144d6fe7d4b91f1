"""Pieces of support that other apps' pages include: the candidate's chat widget (from
``base.html``) and the make-up panel of the result page."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from support import makeup
from support.models import MakeupRequest

register = template.Library()


@register.inclusion_tag("support/_chat_widget.html", takes_context=True)
def support_chat_widget(context: dict[str, Any]) -> dict[str, Any]:
    return {
        "max_chars": settings.SUPPORT_CHAT_MAX_CHARS,
        "socket_url": "/ws/support/chat/",
        "request": context.get("request"),  # its script tags carry the page's CSP nonce
    }


@register.inclusion_tag("support/_makeup_panel.html")
def makeup_panel(attempt: Any) -> dict[str, Any]:
    """The candidate's make-up requests for ``attempt`` (already scoped to them by the result
    page) and whether they may file one."""
    return {
        "attempt": attempt,
        "requests": MakeupRequest.objects.filter(attempt=attempt).order_by("-created_at"),
        "refusal": makeup.refusal(attempt),
    }
