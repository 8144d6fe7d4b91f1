"""System checks: production must have a usable face-template key before it starts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def face_template_key(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.FACE_TEMPLATE_KEY_REQUIRED:
        return []
    from vision import crypto

    try:
        crypto.check_key()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="vision.E001")]
    return []
