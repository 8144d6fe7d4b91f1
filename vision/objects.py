"""Objects in a frame with YOLO (Ultralytics): persons and electronic devices.

The model is loaded once per process (``model()``) from ``VISION_YOLO_WEIGHTS``: the shared
COCO-trained YOLOv8n int8 TFLite file by default, run by LiteRT. Nothing is downloaded: the
settings module sets ``YOLO_OFFLINE`` and points Ultralytics' settings directory into ``var/``.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_lock = threading.Lock()


@dataclass(frozen=True)
class Detection:
    label: str
    confidence: float
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in pixels of the analysed image

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "confidence": round(self.confidence, 3), "box": self.box}


@functools.cache
def model() -> Any:
    """The YOLO model of this process, loaded and warmed up once."""
    weights = settings.VISION_YOLO_WEIGHTS
    path = Path(weights)
    if path.suffix and path.is_absolute() and not path.exists():
        raise ImproperlyConfigured(f"VISION_YOLO_WEIGHTS={weights!r} does not exist.")
    from ultralytics import YOLO

    yolo = YOLO(weights, task="detect")
    # The first prediction builds the interpreter; pay it here, not inside a task's timing.
    yolo.predict(np.zeros((64, 64, 3), np.uint8), imgsz=settings.VISION_YOLO_IMGSZ, verbose=False)
    return yolo


@functools.cache
def lite() -> Any:
    """The direct LiteRT runner of this process (production path for .tflite weights)."""
    from vision.yolo_lite import LiteDetector

    return LiteDetector(Path(settings.VISION_YOLO_WEIGHTS), threads=settings.VISION_YOLO_THREADS)


def uses_lite() -> bool:
    return settings.VISION_YOLO_RUNTIME == "litert" and str(settings.VISION_YOLO_WEIGHTS).endswith(
        ".tflite"
    )


def version(runtime: str | None = None) -> str:
    weights = Path(settings.VISION_YOLO_WEIGHTS).name
    if runtime != "ultralytics" and uses_lite():
        from importlib.metadata import version as dist_version

        return f"litert {dist_version('ai-edge-litert')}, {weights}"
    import ultralytics

    return f"ultralytics {ultralytics.__version__}, {weights}"


def detect(
    image: np.ndarray, *, min_confidence: float = 0.25, runtime: str | None = None
) -> list[Detection]:
    """Every detection in an RGB ``image`` at ``min_confidence`` or above, best first.
    ``runtime`` "ultralytics" forces Ultralytics' own ``predict`` (the benchmark's baseline)."""
    if runtime != "ultralytics" and uses_lite():
        return [Detection(*found) for found in lite().detect(image, min_confidence)]
    yolo = model()
    with _lock:  # one interpreter per process; LiteRT's is not safe to share between threads
        result = yolo.predict(
            np.ascontiguousarray(image[..., ::-1]),  # Ultralytics takes arrays as BGR
            imgsz=settings.VISION_YOLO_IMGSZ,
            conf=min_confidence,
            verbose=False,
        )[0]
    names = result.names
    found = []
    for cls, conf, xyxy in zip(
        result.boxes.cls.tolist(),
        result.boxes.conf.tolist(),
        result.boxes.xyxy.tolist(),
        strict=True,
    ):
        box = tuple(round(v) for v in xyxy)
        found.append(Detection(str(names[int(cls)]), float(conf), box))  # type: ignore[arg-type,unused-ignore]
    return sorted(found, key=lambda d: d.confidence, reverse=True)
