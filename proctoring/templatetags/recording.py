"""The recorder's script tag (``static/js/recorder.js``) with the recording settings."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.security_headers import request_devices

register = template.Library()


@register.simple_tag(takes_context=True)
def recorder_script(context: dict[str, Any]) -> SafeString:
    """``<script type="module" src=".../recorder.js" data-recorder data-segment-seconds
    data-video-bits-per-second>``: the recorder reads its defaults from this tag, so every page
    that records (the exam page, the phone page) follows ``RECORDING_SEGMENT_SECONDS`` and
    ``RECORDING_VIDEO_BITS_PER_SECOND``; the scripts that record import the same module. Only a
    page with this tag sends the recordings queued by an earlier page (the result page). The
    page records the camera and the microphone, so it may use them (``core.security_headers``)."""
    request = context.get("request")
    if request is not None:
        request_devices(request, "camera", "microphone")
    return format_html(
        '<script type="module" nonce="{}" src="{}" data-recorder data-segment-seconds="{}" '
        'data-video-bits-per-second="{}"></script>',
        getattr(request, "csp_nonce", ""),
        static("js/recorder.js"),
        int(settings.RECORDING_SEGMENT_SECONDS),
        int(settings.RECORDING_VIDEO_BITS_PER_SECOND),
    )
