"""System checks: a face-template key that is given must be a usable Fernet key; the frame
analysis's face detector must be one that exists.

A missing key is no error here: only the vision workers encrypt and decrypt templates, and they
refuse to start without one (``config.vision_worker``); web, media, the default workers, beat
and ``migrate`` run without it. A key that is given but malformed is a mistake wherever it is.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def face_template_key(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.FACE_TEMPLATE_KEY:
        return []
    from vision import crypto

    try:
        crypto.check_key()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="vision.E001")]
    return []


@register()
def face_detector(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """A misspelt detector name would otherwise quietly select the former HOG path."""
    errors = []
    if settings.VISION_FACE_DETECTOR not in {"blazeface", "hog"}:
        errors.append(
            Error(
                f"VISION_FACE_DETECTOR={settings.VISION_FACE_DETECTOR!r}: use blazeface or hog.",
                id="vision.E002",
            )
        )
    if settings.VISION_BLAZEFACE_MODEL not in {"full", "short"}:
        errors.append(
            Error(
                f"VISION_BLAZEFACE_MODEL={settings.VISION_BLAZEFACE_MODEL!r}: use full or short.",
                id="vision.E003",
            )
        )
    return errors
