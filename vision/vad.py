"""Silero VAD, a trained voice detector, on onnxruntime (R-PROC-3).

The model is the "sequence" export that ships inside the ``silero-vad`` wheel: one ONNX call
scores every 32 ms frame of a chunk (512 samples at 16 kHz, each prefixed by the last 64 samples
of the frame before, as the streaming model carries them), so a chunk costs one call and no
Python loop per frame. The file is read from the installed package, never fetched: the package
is found without importing it (its ``__init__`` imports torch, which the light vision image does
not have). Compared with the energy detector of ``vision.audio`` on real speech against room
noise and key clicks by ``manage.py evaluate_voice`` (docs/vision.md, "Audio").
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

import numpy as np

RATE = 16_000
FRAME_SAMPLES = 512
CONTEXT_SAMPLES = 64
FRAME_SECONDS = FRAME_SAMPLES / RATE
# Silero's own default: a frame is speech when its probability reaches one half.
THRESHOLD = 0.5
MODEL_FILE = "silero_vad_16k_sequence.onnx"

_session: Any = None
_lock = threading.Lock()


class VadUnavailable(RuntimeError):
    """The ``silero-vad`` package or onnxruntime is not installed."""


def model_path() -> Path:
    try:
        spec = importlib.util.find_spec("silero_vad")
    except ModuleNotFoundError:  # an import hook that refuses the name outright
        spec = None
    if spec is None or spec.origin is None:
        raise VadUnavailable("the silero-vad package is not installed")
    path = Path(spec.origin).parent / "data" / MODEL_FILE
    if not path.is_file():
        raise VadUnavailable(f"silero-vad has no {MODEL_FILE}")
    return path


def session() -> Any:
    """The ONNX session, loaded once per process (a worker analyses many chunks)."""
    global _session
    with _lock:
        if _session is None:
            try:
                import onnxruntime as ort
            except ImportError as exc:
                raise VadUnavailable("onnxruntime is not installed") from exc
            options = ort.SessionOptions()
            # One thread: a worker process analyses one chunk at a time, and the machine's
            # other cores belong to the other workers.
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            _session = ort.InferenceSession(
                str(model_path()), sess_options=options, providers=["CPUExecutionProvider"]
            )
        return _session


def resample(samples: np.ndarray, rate: int, target: int = RATE) -> np.ndarray:
    """``samples`` at ``target`` Hz, by truncating or padding the spectrum (band-limited, so
    48 kHz browser audio loses nothing of the voice band and aliases nothing into it)."""
    if rate == target or len(samples) == 0:
        return samples.astype(np.float32)
    count = max(1, round(len(samples) * target / rate))
    spectrum = np.fft.rfft(samples.astype(np.float64))
    bins = count // 2 + 1
    if len(spectrum) >= bins:
        spectrum = spectrum[:bins]
    else:
        spectrum = np.pad(spectrum, (0, bins - len(spectrum)))
    return (np.fft.irfft(spectrum, count) * (count / len(samples))).astype(np.float32)


def probabilities(samples: np.ndarray, rate: int) -> np.ndarray:
    """Speech probability of each 32 ms frame of ``samples`` (mono floats in [-1, 1])."""
    audio = resample(samples, rate)
    count = len(audio) // FRAME_SAMPLES
    if count == 0:
        return np.zeros(0, dtype=np.float32)
    frames = audio[: count * FRAME_SAMPLES].reshape(count, FRAME_SAMPLES)
    context = np.zeros((count, CONTEXT_SAMPLES), dtype=np.float32)
    context[1:] = frames[:-1, -CONTEXT_SAMPLES:]
    block = np.ascontiguousarray(np.concatenate((context, frames), axis=1), dtype=np.float32)
    state = np.zeros((1, 1, 128), dtype=np.float32)
    probs, _, _ = session().run(
        ["speech_probs", "hn", "cn"], {"input": block, "h": state, "c": state.copy()}
    )
    return np.asarray(probs, dtype=np.float32).reshape(-1)


def voice_activity(samples: np.ndarray, rate: int) -> dict[str, Any]:
    """The same shape of result as ``vision.audio.voice_activity``, from Silero's frames."""
    probs = probabilities(samples, rate)
    if len(probs) == 0:
        return {"frames": 0, "voiced_ratio": 0.0, "segments": [], "detector": "silero"}
    voiced = probs >= THRESHOLD
    segments: list[list[float]] = []
    for index, on in enumerate(voiced):
        if not on:
            continue
        start, end = round(index * FRAME_SECONDS, 3), round((index + 1) * FRAME_SECONDS, 3)
        if segments and abs(segments[-1][1] - start) < 1e-6:
            segments[-1][1] = end
        else:
            segments.append([start, end])
    return {
        "frames": len(probs),
        "voiced_ratio": round(float(voiced.mean()), 3),
        "max_probability": round(float(probs.max()), 3),
        "segments": segments,
        "detector": "silero",
    }
