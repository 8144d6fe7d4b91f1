"""Evidence uploads: the type is read from the file's first bytes (the name and the browser's
content type are only checked against it), images must decode, and sizes are capped by
``INSPECTION_EVIDENCE_MAX_BYTES`` and ``INSPECTION_EVIDENCE_MAX_FILES``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# content type -> the file name extensions accepted for it
_KINDS: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
}


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    name: str
    content_type: str
    size: int


def sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check(upload: UploadedFile, *, images_only: bool = False) -> CheckedUpload:
    """Validate one upload; raises ``ValidationError`` with a message naming the file."""
    name = PurePath(upload.name or "upload").name[:200]
    size = upload.size or 0
    limit = settings.INSPECTION_EVIDENCE_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("%(name)s is too large (%(size)s); the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    upload.seek(0)
    content_type = sniff(upload.read(16))
    upload.seek(0)
    allowed = _("JPEG, PNG or WebP photos") if images_only else _("JPEG, PNG or WebP photos, PDF")
    if content_type is None or (images_only and not content_type.startswith("image/")):
        raise ValidationError(
            _("%(name)s is not an accepted file: upload %(allowed)s.")
            % {"name": name, "allowed": allowed}
        )
    if PurePath(name).suffix.lower() not in _KINDS[content_type]:
        raise ValidationError(
            _("The name %(name)s does not match its content (%(type)s).")
            % {"name": name, "type": content_type}
        )
    if content_type.startswith("image/"):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(upload) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError(_("%(name)s is not a readable image.") % {"name": name}) from None
        finally:
            upload.seek(0)
    return CheckedUpload(upload, name, content_type, size)


def check_all(uploads: list[UploadedFile], *, images_only: bool = False) -> list[CheckedUpload]:
    limit = settings.INSPECTION_EVIDENCE_MAX_FILES
    if len(uploads) > limit:
        raise ValidationError(_("Attach at most %(n)s files at a time.") % {"n": limit})
    return [check(upload, images_only=images_only) for upload in uploads]
