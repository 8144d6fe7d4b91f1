"""The recorder's script tag (``static/js/recorder.js``) with the recording settings."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def recorder_script() -> SafeString:
    """``<script src=".../recorder.js" defer data-segment-seconds data-video-bits-per-second>``:
    the recorder reads its defaults from its own tag, so every page that records (the exam
    page, the phone page) follows ``RECORDING_SEGMENT_SECONDS`` and
    ``RECORDING_VIDEO_BITS_PER_SECOND``."""
    return format_html(
        '<script src="{}" defer data-segment-seconds="{}" data-video-bits-per-second="{}">'
        "</script>",
        static("js/recorder.js"),
        int(settings.RECORDING_SEGMENT_SECONDS),
        int(settings.RECORDING_VIDEO_BITS_PER_SECOND),
    )
