"""``{% uses_devices "camera" "microphone" %}``: the page may use these devices (see
``core.security_headers``). Put it next to the script that opens them, so a page that includes
that script gets the permission and no other page does."""

from __future__ import annotations

from typing import Any

from django import template

from core.security_headers import request_devices

register = template.Library()


@register.simple_tag(takes_context=True)
def uses_devices(context: dict[str, Any], *devices: str) -> str:
    request = context.get("request")
    if request is not None:
        request_devices(request, *devices)
    return ""
