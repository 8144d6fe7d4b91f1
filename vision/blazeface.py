"""MediaPipe's BlazeFace face detectors run straight on the LiteRT interpreter: a few
milliseconds per frame where dlib's HOG, at the scale webcam faces need, takes ten or more.

The weights are the ``.tflite`` files inside the ``mediapipe`` wheel (``modules/face_detection``),
so nothing is downloaded; only those files are read, the ``mediapipe`` package itself is never
imported (it is installed without its dependencies). Two models: ``short`` (128x128 input,
faces near the camera) and ``full`` (192x192, also smaller faces further away). Anchors,
decoding and weighted non-maximum suppression follow the models' MediaPipe graphs
(``face_detection_short_range.pbtxt`` / ``face_detection_full_range.pbtxt``): boxes are offsets
from fixed anchors in input pixels, scores are sigmoids.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class _Spec:
    file: str
    size: int
    strides: tuple[int, ...]
    anchors_per_cell: tuple[int, ...]


SPECS = {
    # Short range: strides 8, 16, 16, 16 with two anchors each; the three stride-16 layers share
    # one grid, hence 6 anchors per cell there (16*16*2 + 8*8*6 = 896).
    "short": _Spec("face_detection_short_range.tflite", 128, (8, 16), (2, 6)),
    # Full range: one layer of stride 4, one anchor per cell (48*48 = 2304).
    "full": _Spec("face_detection_full_range_sparse.tflite", 192, (4,), (1,)),
}
MIN_SUPPRESSION_IOU = 0.3


def weights_dir() -> Path:
    """Where the installed ``mediapipe`` wheel keeps its face detection models."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the mediapipe wheel (BlazeFace weights) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "modules" / "face_detection"


def _anchors(spec: _Spec) -> np.ndarray:
    """(n, 2) anchor centres in [0, 1] (the models use fixed anchor sizes of 1)."""
    centres = []
    for stride, per_cell in zip(spec.strides, spec.anchors_per_cell, strict=True):
        grid = spec.size // stride
        ys, xs = np.mgrid[0:grid, 0:grid]
        cell = np.stack([(xs.ravel() + 0.5) / grid, (ys.ravel() + 0.5) / grid], 1)
        centres.append(np.repeat(cell, per_cell, axis=0))
    return np.concatenate(centres).astype(np.float32)


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    x1 = np.maximum(box[0], others[:, 0])
    y1 = np.maximum(box[1], others[:, 1])
    x2 = np.minimum(box[2], others[:, 2])
    y2 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return np.asarray(inter / np.maximum(area + areas - inter, 1e-9))


class BlazeFace:
    """One interpreter per process and model (LiteRT's is not safe to share between threads)."""

    def __init__(self, kind: str = "full", threads: int = 1) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.spec = SPECS[kind]
        self.interpreter = Interpreter(
            model_path=str(weights_dir() / self.spec.file), num_threads=threads
        )
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        outputs = sorted(self.interpreter.get_output_details(), key=lambda o: -o["shape"][-1])
        self.regressors, self.scores = outputs[0], outputs[1]  # (1, n, 16) and (1, n, 1)
        self.anchors = _anchors(self.spec)
        self.lock = threading.Lock()

    def detect(
        self, image: np.ndarray, min_score: float
    ) -> list[tuple[float, tuple[int, int, int, int]]]:
        """(score, (x1, y1, x2, y2)) of the faces in an RGB ``image``, in its pixels, best first.
        The image is letterboxed into the model's square input (its aspect kept)."""
        import cv2

        size = self.spec.size
        height, width = image.shape[:2]
        scale = size / max(height, width)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        small = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA)
        canvas = np.zeros((size, size, 3), np.float32)
        top, left = (size - new_h) // 2, (size - new_w) // 2
        canvas[top : top + new_h, left : left + new_w] = small / 127.5 - 1.0
        with self.lock:
            self.interpreter.set_tensor(self.input["index"], canvas[None])
            self.interpreter.invoke()
            raw = self.interpreter.get_tensor(self.regressors["index"])[0]
            logits = self.interpreter.get_tensor(self.scores["index"])[0, :, 0]
        scores = 1 / (1 + np.exp(-np.clip(logits, -80, 80)))
        keep = np.flatnonzero(scores >= min_score)
        if not len(keep):
            return []
        centre = raw[keep, :2] / size + self.anchors[keep]
        half = raw[keep, 2:4] / size / 2
        boxes = np.concatenate([centre - half, centre + half], 1) * size  # input pixels
        found = []
        order = keep[np.argsort(-scores[keep])]
        boxes = boxes[np.argsort(-scores[keep])]
        remaining: np.ndarray = np.arange(len(order))
        while len(remaining):
            overlap = _iou(boxes[remaining[0]], boxes[remaining])
            group = remaining[overlap > MIN_SUPPRESSION_IOU]
            weights = scores[order[group]]
            # Weighted suppression (MediaPipe's): the group's boxes averaged by their scores.
            box = (boxes[group] * weights[:, None]).sum(0) / weights.sum()
            x1, y1, x2, y2 = (box - [left, top, left, top]) / scale
            found.append(
                (
                    float(scores[order[group[0]]]),
                    (
                        round(float(np.clip(x1, 0, width))),
                        round(float(np.clip(y1, 0, height))),
                        round(float(np.clip(x2, 0, width))),
                        round(float(np.clip(y2, 0, height))),
                    ),
                )
            )
            remaining = remaining[overlap <= MIN_SUPPRESSION_IOU]
        return found
