"""Faces: find them, check they are usable, describe them (128-d encodings) and compare them.

Built on face_recognition (dlib's HOG detector, 68-point landmarks and ResNet encoder). dlib's
models are loaded once per process on first use (``_api``) and kept: a worker pays the load once,
not per task. Detection runs on a downscaled copy (``VISION_FACE_DETECT_MAX_SIDE``) because HOG
time grows with the pixel count; boxes are mapped back to the original image, and encodings are
computed on the original pixels, so distances match the library's own.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from vision.images import downscale, load_image


@dataclass(frozen=True)
class FaceBox:
    """A face's box in pixels of the image it was found in (face_recognition's order)."""

    top: int
    right: int
    bottom: int
    left: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def size(self) -> int:
        return min(self.width, self.height)

    def as_css(self) -> tuple[int, int, int, int]:
        return (self.top, self.right, self.bottom, self.left)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@functools.cache
def _api() -> Any:
    """face_recognition, imported once per process (it loads dlib's models at import)."""
    import face_recognition

    return face_recognition


def versions() -> dict[str, str]:
    import dlib

    return {"dlib": str(dlib.__version__), "face_recognition": str(_api().__version__)}


def detect_faces(
    image: np.ndarray, *, max_side: int | None = None, upsample: int | None = None
) -> list[FaceBox]:
    """Boxes of the faces in an RGB ``image``, largest first, in ``image``'s pixels."""
    max_side = max_side or settings.VISION_FACE_DETECT_MAX_SIDE
    upsample = settings.VISION_FACE_DETECT_UPSAMPLE if upsample is None else upsample
    small, scale = downscale(image, max_side)
    height, width = image.shape[:2]
    boxes = []
    for top, right, bottom, left in _api().face_locations(
        small, number_of_times_to_upsample=upsample, model="hog"
    ):
        boxes.append(
            FaceBox(
                top=max(0, round(top / scale)),
                right=min(width, round(right / scale)),
                bottom=min(height, round(bottom / scale)),
                left=max(0, round(left / scale)),
            )
        )
    return sorted(boxes, key=lambda b: b.width * b.height, reverse=True)


@functools.cache
def blaze() -> Any:
    """The BlazeFace detector of this process (``VISION_BLAZEFACE_MODEL``), loaded once."""
    from vision.blazeface import BlazeFace

    return BlazeFace(settings.VISION_BLAZEFACE_MODEL)


def detect_faces_blaze(image: np.ndarray, *, min_score: float | None = None) -> list[FaceBox]:
    """Boxes of the faces in an RGB ``image`` found by BlazeFace, largest first: the frame
    analysis' detector (presence, count, covering); dlib only describes the face found."""
    min_score = settings.VISION_BLAZEFACE_MIN_SCORE if min_score is None else min_score
    boxes = [
        FaceBox(top=y1, right=x2, bottom=y2, left=x1)
        for _, (x1, y1, x2, y2) in blaze().detect(image, min_score)
        if x2 > x1 and y2 > y1
    ]
    return sorted(boxes, key=lambda b: b.width * b.height, reverse=True)


def count_faces(data: bytes) -> int:
    """How many faces the image ``data`` shows. Raises ``vision.images.ImageError`` for bytes
    that are not a usable image."""
    return len(detect_faces(load_image(data)))


def encode(image: np.ndarray, box: FaceBox) -> np.ndarray:
    """The 128-d encoding of the face in ``box`` (float64)."""
    encodings = _api().face_encodings(image, [box.as_css()], num_jitters=1, model="small")
    return np.asarray(encodings[0], dtype=np.float64)


def distance(known: np.ndarray, candidate: np.ndarray) -> float:
    """Euclidean distance between two encodings: below the threshold means the same person."""
    return float(np.linalg.norm(np.asarray(known) - np.asarray(candidate)))


def landmarks(image: np.ndarray, box: FaceBox) -> dict[str, list[tuple[int, int]]]:
    """The 68 landmarks of the face in ``box``, grouped as face_recognition names them."""
    found = _api().face_landmarks(image, [box.as_css()], model="large")
    return found[0] if found else {}


def _gray(image: np.ndarray) -> np.ndarray:
    return (image[..., 0] * 0.299 + image[..., 1] * 0.587 + image[..., 2] * 0.114).astype(
        np.float32
    )


def sharpness(image: np.ndarray, box: FaceBox) -> float:
    """Variance of the Laplacian of the face, resized to 128 px: low means blurred."""
    import cv2

    crop = image[box.top : box.bottom, box.left : box.right]
    if crop.size == 0:
        return 0.0
    gray = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY)
    gray = cv2.resize(gray, (128, 128), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def brightness(image: np.ndarray, box: FaceBox) -> float:
    crop = image[box.top : box.bottom, box.left : box.right]
    return float(_gray(crop).mean()) if crop.size else 0.0


@dataclass(frozen=True)
class FaceProblem:
    """Why an image cannot be used for enrolment or identity; ``message`` is for the user."""

    code: str
    message: str


def single_face_problem(image: np.ndarray, boxes: list[FaceBox]) -> FaceProblem | None:
    """None when ``boxes`` is exactly one usable face; otherwise the reason, plainly."""
    if not boxes:
        return FaceProblem(
            "no_face",
            _("No face was found. Face the camera in good light, without a mask or hands."),
        )
    if len(boxes) > 1:
        return FaceProblem(
            "several_faces",
            _("%(count)d faces were found. Only the candidate may be in the picture.")
            % {"count": len(boxes)},
        )
    box = boxes[0]
    if box.size < settings.VISION_MIN_FACE_PX:
        return FaceProblem(
            "too_small", _("The face is too small. Move closer to the camera and try again.")
        )
    if brightness(image, box) < settings.VISION_MIN_FACE_BRIGHTNESS:
        return FaceProblem("too_dark", _("The face is too dark. Turn on a light and try again."))
    if sharpness(image, box) < settings.VISION_MIN_FACE_SHARPNESS:
        return FaceProblem(
            "blurred", _("The picture is blurred. Hold still, clean the lens and try again.")
        )
    return None
