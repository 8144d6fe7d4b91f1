"""1:1 verification of a burst of camera frames, with an active liveness challenge.

What it stops: a printed photo or a still image held up or replayed (identical or nearly
identical frames; a flat picture turned in front of the camera keeps the nose-to-jaw ratio that
``pose.yaw`` measures, so it cannot fake a head turn; a photo cannot blink). What it does not
stop: a video of the candidate replayed on a screen that happens to show the asked movement, a
3-D mask, or a look-alike within the distance threshold. Those are for the proctor.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from statistics import median
from typing import Any

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from vision import faces, pose

# Frames this similar (mean absolute grey-level difference) count as the same picture.
STILL_DIFFERENCE = 1.0
MIN_FACE_FRAMES = 3
MAX_ENCODED_FRAMES = 5


@dataclass
class BurstResult:
    passed: bool
    live: bool
    frames: int
    face_frames: int
    distances: list[float] = field(default_factory=list)
    distance: float | None = None
    threshold: float = 0.0
    problem_code: str = ""
    problem: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def _still(frames: list[np.ndarray]) -> float:
    """Largest mean absolute difference between consecutive frames (grey levels)."""
    grey = [f.mean(axis=2) if f.ndim == 3 else f for f in frames]
    diffs = [
        float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())
        for a, b in itertools.pairwise(grey)
        if a.shape == b.shape
    ]
    return max(diffs, default=0.0)


def verify_burst(
    frames: list[np.ndarray],
    enrolled: np.ndarray,
    challenge: str,
    *,
    threshold: float | None = None,
) -> BurstResult:
    """Decide identity and liveness over ``frames`` (RGB, in capture order). Identity is the
    median distance over up to five evenly spread frames with one face, and a majority of them
    must match; liveness is the challenge's movement across all frames with one face."""
    threshold = settings.VISION_FACE_DISTANCE_THRESHOLD if threshold is None else threshold
    result = BurstResult(False, False, len(frames), 0, threshold=threshold)
    motion = _still(frames)
    result.detail["motion"] = round(motion, 3)
    per_frame: list[tuple[np.ndarray, faces.FaceBox]] = []
    several = 0
    for frame in frames:
        boxes = faces.detect_faces(frame, max_side=settings.VISION_FRAME_FACE_MAX_SIDE)
        if len(boxes) == 1 and boxes[0].size >= settings.VISION_MIN_FACE_PX // 2:
            per_frame.append((frame, boxes[0]))
        elif len(boxes) > 1:
            several += 1
    result.face_frames = len(per_frame)
    if several > len(frames) // 2:
        result.problem_code = "several_faces"
        result.problem = _("More than one face is in the picture. Only you may be in view.")
        return result
    if len(per_frame) < MIN_FACE_FRAMES:
        result.problem_code = "no_face"
        result.problem = _(
            "Your face was not seen clearly. Sit facing the camera in good light, remove masks "
            "and hats, hold still between movements and try again."
        )
        return result

    yaws, ears = [], []
    for frame, box in per_frame:
        lm = faces.landmarks(frame, box)
        if lm:
            yaws.append(pose.yaw(lm))
            ears.append(pose.eye_aspect_ratio(lm))
    yaw_range = (max(yaws) - min(yaws)) if yaws else 0.0
    blink = (min(ears) / max(ears)) if ears and max(ears) > 0 else 1.0
    result.detail.update({"yaw_range": round(yaw_range, 3), "blink_ratio": round(blink, 3)})
    if motion < STILL_DIFFERENCE:
        result.live = False
    elif challenge == "blink":
        result.live = blink <= settings.VISION_LIVENESS_BLINK_RATIO
    else:
        result.live = yaw_range >= settings.VISION_LIVENESS_MIN_YAW_RANGE

    step = max(1, len(per_frame) // MAX_ENCODED_FRAMES)
    for frame, box in per_frame[::step][:MAX_ENCODED_FRAMES]:
        result.distances.append(round(faces.distance(enrolled, faces.encode(frame, box)), 4))
    result.distance = round(float(median(result.distances)), 4)
    matches = sum(d <= threshold for d in result.distances)
    same_person = result.distance <= threshold and matches * 2 > len(result.distances)

    if not result.live:
        result.problem_code = "not_live"
        result.problem = (
            _(
                "Non-living body: the camera saw a still picture. Do the movement asked for "
                "(turn your head slowly left and right) in front of the camera yourself."
            )
            if challenge != "blink"
            else _(
                "Non-living body: no blink was seen. Look at the camera and blink slowly two "
                "or three times while the frames are taken."
            )
        )
    elif not same_person:
        result.problem_code = "mismatch"
        result.problem = _(
            "The face does not match the enrolled photo. Make sure you are the registered "
            "candidate, face the camera in good light and try again, or ask for a staff review."
        )
    result.passed = result.live and same_person
    return result
