"""Analysis of one camera frame (R-PROC-3): persons and devices (YOLO), faces, identity against
the enrolment, covered face, head turn. One typed result (``vision.results.FrameResult``) with
model versions and timings.

Two pipelines share this code:

- ``baseline`` is the naive way, kept for the benchmark: HOG on the full-resolution frame with
  upsampling and a face encoding on every frame.
- ``production`` (the default) detects faces on a downscaled copy and computes the identity
  encoding only when needed: when the face moved or changed size noticeably since the last
  encoded frame of the same stream, or ``VISION_ENCODE_EVERY_SECONDS`` passed. Between those,
  the last identity decision of the stream is carried forward and marked ``"reused": true``.
  Before any model runs, a 64x36 thumbnail is compared with the stream's last fully analysed
  frame: when no 4x4 block changed by ``VISION_MOTION_THRESHOLD`` grey levels and the last full
  analysis is younger than ``VISION_FULL_ANALYSIS_EVERY_SECONDS``, that result is returned again
  (``"reused": true``). Faces are found by BlazeFace on LiteRT (``vision.blazeface``, a few
  ms; ``VISION_FACE_DETECTOR=hog`` searches with dlib's HOG, without upsampling, on a copy of at
  most ``VISION_FRAME_FACE_MAX_SIDE`` pixels instead); dlib's 68 landmarks and encoding then
  describe the face found. YOLO runs straight on LiteRT (``yolo_lite``).
  The stream state lives in this worker process (an LRU of ``StreamState``); losing it (another
  worker, a restart) only costs one extra encoding.
"""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from django.conf import settings

from vision import faces, objects, pose
from vision.results import Covered, Faces, FrameResult, Identity, LookingAway, rounded

__all__ = ["FrameResult", "StreamState", "Thresholds", "analyse", "stream_state", "warm_up"]


@dataclass
class StreamState:
    """What the production pipeline remembers about one (attempt, view) stream."""

    box: faces.FaceBox | None = None
    encoded_at: float = 0.0
    identity: Identity | None = None
    thumb: np.ndarray | None = None  # grey 64x36 thumbnail of the last fully analysed frame
    analysed_at: float = 0.0
    result: FrameResult | None = None


# The clock of the stage timings (``timings_ms``): wall time by default; the benchmark sets the
# thread's CPU time, which other processes on a shared machine disturb less.
clock: Callable[[], float] = time.perf_counter

_streams: OrderedDict[str, StreamState] = OrderedDict()
_MAX_STREAMS = 2000


def stream_state(key: str) -> StreamState:
    state = _streams.pop(key, None) or StreamState()
    _streams[key] = state
    while len(_streams) > _MAX_STREAMS:
        _streams.popitem(last=False)
    return state


def warm_up() -> None:
    """Load the models the worker's pipeline uses, once per process (not inside a task)."""
    faces._api()
    if settings.VISION_FACE_DETECTOR == "blazeface":
        faces.blaze()
    if objects.uses_lite():
        objects.lite()
    else:
        objects.model()


def device_classes(view: int) -> frozenset[str]:
    names = settings.VISION_DEVICE_CLASSES_VIEW2 if view == 2 else settings.VISION_DEVICE_CLASSES
    return frozenset(names)


@functools.cache
def model_versions(mode: str = "production") -> dict[str, str]:
    runtime = "ultralytics" if mode == "baseline" else None
    return {"objects": objects.version(runtime), **faces.versions()}


def thumbnail(image: np.ndarray) -> np.ndarray:
    import cv2

    grey = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (64, 36), interpolation=cv2.INTER_AREA).astype(np.float32)


def motion(old: np.ndarray, new: np.ndarray) -> float:
    """The largest mean absolute difference over 4x4 blocks of 64x36 thumbnails (grey levels):
    a phone raised into one corner moves one block, so the maximum, not the mean, is used."""
    return float(np.abs(old - new).reshape(9, 4, 16, 4).mean(axis=(1, 3)).max())


def _face_moved(old: faces.FaceBox | None, new: faces.FaceBox) -> bool:
    if old is None:
        return True
    shift = max(abs(old.left - new.left), abs(old.top - new.top))
    return shift > 0.25 * max(1, old.size) or abs(old.size - new.size) > 0.2 * max(1, old.size)


@dataclass
class Thresholds:
    distance: float = field(default_factory=lambda: settings.VISION_FACE_DISTANCE_THRESHOLD)
    looking_away_yaw: float = field(default_factory=lambda: settings.VISION_LOOKING_AWAY_YAW)


def analyse(
    image: np.ndarray,
    *,
    view: int = 1,
    enrolled: np.ndarray | None = None,
    state: StreamState | None = None,
    mode: str = "production",
    thresholds: Thresholds | None = None,
    now: float | None = None,
) -> FrameResult:
    """Analyse an RGB frame. ``enrolled`` is the candidate's decrypted encoding (or None);
    ``state`` the stream's memory for the production pipeline (None: encode every time)."""
    thresholds = thresholds or Thresholds()
    now = time.monotonic() if now is None else now
    timings: dict[str, float] = {}
    started = clock()

    thumb = None
    if mode == "production" and state is not None:
        # The cheap check on every frame: an unchanged picture keeps the last full result.
        thumb = thumbnail(image)
        if (
            state.result is not None
            and state.thumb is not None
            and now - state.analysed_at < settings.VISION_FULL_ANALYSIS_EVERY_SECONDS
        ):
            moved = motion(state.thumb, thumb)
            if moved < settings.VISION_MOTION_THRESHOLD:
                timings["motion"] = clock() - started
                timings["total"] = timings["motion"]
                return replace(
                    state.result,
                    reused=True,
                    motion=round(moved, 2),
                    timings_ms={k: round(v * 1000, 1) for k, v in timings.items()},
                )
        timings["motion"] = clock() - started

    mark = clock()
    detections = objects.detect(
        image,
        min_confidence=settings.VISION_OBJECT_MIN_CONFIDENCE,
        runtime="ultralytics" if mode == "baseline" else None,
    )
    timings["objects"] = clock() - mark
    persons = [d for d in detections if d.label == "person"]
    devices = [d for d in detections if d.label in device_classes(view)]

    mark = clock()
    if mode == "baseline":
        boxes = faces.detect_faces(image, max_side=max(image.shape[:2]), upsample=1)
    elif settings.VISION_FACE_DETECTOR == "blazeface":
        boxes = faces.detect_faces_blaze(image)
    else:
        boxes = faces.detect_faces(
            image,
            max_side=settings.VISION_FRAME_FACE_MAX_SIDE,
            upsample=settings.VISION_FRAME_FACE_UPSAMPLE,
        )
        if not boxes and any(
            d.confidence >= settings.VISION_PERSON_MIN_CONFIDENCE for d in persons
        ):
            # Someone is there but no face at the cheap scale: look again, upsampled, before
            # calling the face covered (a small or masked face needs it).
            boxes = faces.detect_faces(
                image, max_side=settings.VISION_FRAME_FACE_MAX_SIDE, upsample=1
            )
    timings["faces"] = clock() - mark

    covered: Covered | None = None
    looking: LookingAway | None = None
    identity: Identity | None = None
    if len(boxes) == 1:
        # Covered, looking away and identity are judged on the candidate's face only; with
        # several faces it is unclear which is the candidate's, and extra_person is raised.
        main = boxes[0]
        mark = clock()
        lm = faces.landmarks(image, main)
        timings["landmarks"] = clock() - mark
        if lm:
            cover = pose.covering(
                image,
                lm,
                min_lower_skin=settings.VISION_COVER_MIN_LOWER_SKIN,
                max_eye_ratio=settings.VISION_COVER_MAX_EYE_RATIO,
            )
            covered = Covered(
                covered=cover.covered,
                part=cover.part,
                lower_skin=cover.lower_skin,
                eye_ratio=cover.eye_ratio,
            )
            head_yaw = pose.yaw(lm)
            looking = LookingAway(
                yaw=round(head_yaw, 3), away=abs(head_yaw) > thresholds.looking_away_yaw
            )
        if enrolled is not None:
            need = (
                mode == "baseline"
                or state is None
                or state.identity is None
                or _face_moved(state.box, main)
                or now - state.encoded_at >= settings.VISION_ENCODE_EVERY_SECONDS
            )
            if need:
                mark = clock()
                dist = faces.distance(enrolled, faces.encode(image, main))
                timings["encoding"] = clock() - mark
                identity = Identity(
                    distance=round(dist, 4),
                    threshold=thresholds.distance,
                    match=dist <= thresholds.distance,
                    reused=False,
                )
                if state is not None:
                    state.encoded_at, state.identity = now, identity
            else:
                assert state is not None and state.identity is not None
                identity = replace(state.identity, reused=True)
        if state is not None:
            state.box = main
    elif state is not None:
        state.box, state.identity = None, None

    timings["total"] = clock() - started
    height, width = image.shape[:2]
    result = FrameResult(
        view=view,
        size=(width, height),
        pipeline=mode,
        persons=tuple(rounded(d) for d in persons),
        devices=tuple(rounded(d) for d in devices),
        objects=tuple(rounded(d) for d in detections),
        faces=Faces(count=len(boxes), boxes=tuple(boxes)),
        identity=identity,
        covered=covered,
        looking_away=looking,
        models=model_versions(mode),
        reused=False,
        timings_ms={k: round(v * 1000, 1) for k, v in timings.items()},
    )
    if state is not None and thumb is not None:
        state.thumb, state.analysed_at, state.result = thumb, now, result
    return result
