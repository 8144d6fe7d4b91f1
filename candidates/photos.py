"""The registered ID photo's specification (R-CERT-3) and the rules that run in the web process.

JPG or PNG by content (not by file name), at most 5 MB, exactly 295×413 px, red background.
The face rule (exactly one face) needs the vision models and runs on the vision workers
(``candidates.tasks.check_candidate_photo``).

Red background rule: the background of an ID photo shows along the top edge and along the
left and right edges above the shoulders, so we sample a band ``BORDER_PX`` wide along the top
edge and along the upper ``SIDE_FRACTION`` of the left and right edges (the bottom edge is
clothes). A pixel is red when, in HSV, its hue is within ``HUE_TOLERANCE`` degrees of 0°, its
saturation is at least ``MIN_SATURATION`` and its value at least ``MIN_VALUE``: this accepts
the official (255, 0, 0), darker studio reds such as (200, 20, 30) and slightly pink or
orange casts, and refuses white, blue, grey and skin tones. The background is red when at least
``MIN_RED_SHARE`` of the sampled pixels are red, which tolerates hair or a shoulder touching
the edge.
"""

from __future__ import annotations

import colorsys
import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
WIDTH, HEIGHT = 295, 413
BORDER_PX = 6
SIDE_FRACTION = 0.6
HUE_TOLERANCE = 20.0
MIN_SATURATION = 0.6
MIN_VALUE = 0.35
MIN_RED_SHARE = 0.85
FORMATS = {"JPEG": "jpg", "PNG": "png"}


@dataclass(frozen=True)
class PhotoProblem:
    """A rule the photo breaks: ``code`` is stable for programs, ``message`` for people."""

    code: str
    message: str


def problem(data: bytes) -> PhotoProblem | None:
    """The first rule ``data`` breaks, in the order format, file size, dimensions, background;
    None when it passes them all (the face rule is checked separately)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            kind = image.format
    except (UnidentifiedImageError, OSError, ValueError):
        kind = None
    if kind not in FORMATS:
        return PhotoProblem("format", _("The photo is not a JPG or PNG image."))
    if len(data) > MAX_BYTES:
        return PhotoProblem(
            "file_size",
            _("The photo is %(mb).1f MB; at most 5 MB is allowed.") % {"mb": len(data) / 2**20},
        )
    if image.size != (WIDTH, HEIGHT):
        return PhotoProblem(
            "dimensions",
            _("The photo is %(w)s×%(h)s pixels; it must be 295×413 pixels.")
            % {"w": image.size[0], "h": image.size[1]},
        )
    try:
        share = red_border_share(image)
    except (OSError, ValueError, SyntaxError):
        return PhotoProblem("format", _("The photo is damaged and cannot be read."))
    if share < MIN_RED_SHARE:
        return PhotoProblem(
            "background",
            _("The background is not red (%(pct)d%% of the border is red; at least 85%% needed).")
            % {"pct": int(share * 100)},
        )
    return None


def red_border_share(image: Image.Image) -> float:
    """The share of sampled border pixels that are red (see the module docstring)."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    side_bottom = int(height * SIDE_FRACTION)
    boxes = [
        (0, 0, width, BORDER_PX),
        (0, BORDER_PX, BORDER_PX, side_bottom),
        (width - BORDER_PX, BORDER_PX, width, side_bottom),
    ]
    red = total = 0
    for box in boxes:
        pixels = rgb.crop(box).tobytes()
        for i in range(0, len(pixels), 3):
            total += 1
            red += is_red(pixels[i], pixels[i + 1], pixels[i + 2])
    return red / total if total else 0.0


def is_red(r: int, g: int, b: int) -> bool:
    hue, saturation, value = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)
    degrees = hue * 360
    distance = min(degrees, 360 - degrees)
    return distance <= HUE_TOLERANCE and saturation >= MIN_SATURATION and value >= MIN_VALUE


def extension(data: bytes) -> str:
    """The file extension matching the content of a photo that passed ``problem``."""
    with Image.open(io.BytesIO(data)) as image:
        return FORMATS[str(image.format)]
