"""Turning uploaded bytes into pixels, safely.

``load_image`` is the only door from untrusted bytes to an image array: it refuses empty files,
non-images, corrupt files and images above ``VISION_MAX_MEGAPIXELS`` *before* decoding the
pixels (Pillow reads the size from the header), so a 50-megapixel upload or a decompression
bomb never reaches the models or exhausts a worker's memory.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError


class ImageError(ValueError):
    """An upload that is not a usable image. ``message`` is plain and safe to show the user;
    ``code`` is stable for programs (``empty``, ``not_image``, ``corrupt``, ``too_large``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _pil_open() -> Any:
    """Pillow's own ``Image.open``. Ultralytics replaces it process-wide with a wrapper that,
    on an unidentified file, tries to install a HEIF plugin from the internet; an upload that is
    not an image must be refused here, not trigger an install."""
    opener = Image.open
    if getattr(opener, "__module__", "").startswith("ultralytics"):
        from ultralytics.utils import patches

        return patches._image_open
    return opener


def max_pixels() -> int:
    return int(settings.VISION_MAX_MEGAPIXELS * 1_000_000)


def load_image(data: bytes) -> np.ndarray:
    """Decode ``data`` (JPEG, PNG, WebP, …) to an RGB ``uint8`` array of shape (h, w, 3),
    turned upright by its EXIF orientation. Raises ``ImageError`` for anything else."""
    if not data:
        raise ImageError("empty", _("The file is empty. Choose a photo and try again."))
    try:
        with warnings.catch_warnings():
            # Pillow warns (then errors) on decompression bombs; our own limit comes first.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = _pil_open()(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels():
                raise ImageError(
                    "too_large",
                    _(
                        "The image is too large (%(mp).0f megapixels; at most %(limit)s). "
                        "Use a smaller photo."
                    )
                    % {"mp": width * height / 1e6, "limit": settings.VISION_MAX_MEGAPIXELS},
                )
            if width < 16 or height < 16:
                raise ImageError("corrupt", _("The image is too small to show a face."))
            if _truncated(data, image.format):
                raise OSError("truncated")
            image.load()
            image = ImageOps.exif_transpose(image) or image
            rgb = image.convert("RGB")
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(
            "not_image", _("The file is not an image. Upload a JPEG or PNG photo.")
        ) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageError(
            "corrupt", _("The image is damaged and cannot be read. Take or choose another photo.")
        ) from None
    return np.asarray(rgb, dtype=np.uint8)


def _truncated(data: bytes, fmt: str | None) -> bool:
    """A JPEG without its end marker or a PNG without its IEND chunk was cut off. Checked by
    hand because face_recognition (and WeasyPrint) set Pillow's process-wide
    ``LOAD_TRUNCATED_IMAGES``, which would pad a cut-off upload with grey instead of failing."""
    tail = data[-4096:]
    if fmt == "JPEG":
        return b"\xff\xd9" not in tail
    if fmt == "PNG":
        return b"IEND" not in tail
    return False


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    """An RGB array as JPEG bytes (evidence frames, enrolment photos)."""
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="JPEG", quality=quality)
    return out.getvalue()


def downscale(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """``image`` shrunk so its longer side is at most ``max_side``; returns it and the factor
    (``scale``: original = small / scale). Never enlarges."""
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return image, 1.0
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = Image.fromarray(image).resize(size, Image.Resampling.BILINEAR)
    return np.asarray(small), scale
