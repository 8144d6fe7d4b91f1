"""Screenshots of make-up requests: recognised by their first bytes and decoded with Pillow,
never trusted by name or the browser's content type, and capped by
``SUPPORT_SCREENSHOT_MAX_BYTES``."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Phones' screenshots are PNG or JPEG (HEIC is converted by the browser's file picker only on
# some phones, so it is refused with a clear message rather than stored unreadable).
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
MAX_PIXELS = 40_000_000


def sniff(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check(upload: UploadedFile) -> str:
    """Validate a screenshot; returns the file extension to store it under."""
    size = upload.size or 0
    limit = settings.SUPPORT_SCREENSHOT_MAX_BYTES
    if size == 0:
        raise ValidationError(_("The screenshot is empty."))
    if size > limit:
        raise ValidationError(
            _("The screenshot is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    upload.seek(0)
    content_type = sniff(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise ValidationError(_("The screenshot must be a PNG, JPEG or WebP image."))
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("The screenshot has too many pixels."))
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("The screenshot is not a readable image.")) from None
    finally:
        upload.seek(0)
    return _EXTENSIONS[content_type]
