"""What the 68 face landmarks say: head turn (yaw), eyes open or closed, face covered.

All three are ratios of landmark geometry or of colours inside landmark regions, so they do not
depend on the image size. Thresholds are settings measured on ../shared/data (docs/vision.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Landmarks = dict[str, list[tuple[int, int]]]


def yaw(lm: Landmarks) -> float:
    """Head turn as the nose tip's offset from the middle of the jaw line, in half face widths:
    about 0 facing the camera, towards ±1 in profile (sign: + to the image's right)."""
    chin = lm["chin"]
    left, right = np.array(chin[0], float), np.array(chin[16], float)
    half = max(1.0, float(np.linalg.norm(right - left)) / 2)
    middle = (left + right) / 2
    nose = np.array(lm["nose_bridge"][-1], float)
    return float((nose[0] - middle[0]) / half)


def eye_aspect_ratio(lm: Landmarks) -> float:
    """Mean eye aspect ratio of both eyes (Soukupová & Čech): about 0.3 open, below 0.2 closed."""

    def one(eye: list[tuple[int, int]]) -> float:
        p = np.array(eye, float)
        vertical = np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])
        horizontal = max(1.0, float(np.linalg.norm(p[0] - p[3])))
        return float(vertical / (2 * horizontal))

    return (one(lm["left_eye"]) + one(lm["right_eye"])) / 2


@dataclass(frozen=True)
class Covering:
    covered: bool
    part: str  # "", "mouth" (mask, scarf, hand on the lower face) or "eye"
    lower_skin: float  # share of skin-coloured pixels between nose tip and chin
    eye_ratio: float  # brighter eye region / darker one


def _region_mask(shape: tuple[int, ...], points: list[tuple[int, int]]) -> np.ndarray:
    import cv2

    mask = np.zeros(shape[:2], np.uint8)
    hull = cv2.convexHull(np.array(points, dtype=np.int32))
    cv2.fillConvexPoly(mask, hull, 1)
    return mask > 0


def covering(
    image: np.ndarray, lm: Landmarks, *, min_lower_skin: float, max_eye_ratio: float
) -> Covering:
    """Is part of the face covered? A mask or scarf leaves few skin-coloured pixels below the
    nose (YCrCb skin rule); a hand over one eye makes that eye's region much brighter than the
    other's. Skin-coloured coverings of the lower face are not seen by the first rule."""
    import cv2

    ycc = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2YCrCb)
    chin, nose = lm["chin"], lm["nose_tip"]
    lower = [chin[4], chin[12], (chin[12][0], nose[2][1]), (chin[4][0], nose[2][1]), chin[8]]
    pixels = ycc[_region_mask(image.shape, lower)].astype(np.int32)
    if len(pixels):
        cr, cb = pixels[:, 1], pixels[:, 2]
        lower_skin = float(((cr >= 133) & (cr <= 180) & (cb >= 77) & (cb <= 127)).mean())
    else:
        lower_skin = 0.0
    eyes = []
    for name in ("left_eye", "right_eye"):
        region = ycc[..., 0][_region_mask(image.shape, lm[name])]
        eyes.append(float(region.mean()) if len(region) else 0.0)
    eye_ratio = max(eyes) / max(1.0, min(eyes))
    part = ""
    if lower_skin < min_lower_skin:
        part = "mouth"
    elif eye_ratio > max_eye_ratio:
        part = "eye"
    return Covering(bool(part), part, round(lower_skin, 3), round(eye_ratio, 3))
