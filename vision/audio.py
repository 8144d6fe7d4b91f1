"""Voice activity in audio chunks from the candidate's microphone (R-PROC-3).

``voice_activity`` runs the detector named by ``VISION_VOICE_DETECTOR``: ``silero`` (the
default, ``vision.vad``: a trained model that tells speech from noise and typing far better,
docs/vision.md "Audio") or ``energy``, the plain numpy detector below, kept as the fallback for
an install without onnxruntime and as the baseline of ``manage.py evaluate_voice``. In the
energy detector each 30 ms frame is voiced when it is (1) louder than ``VOICE_MIN_DBFS`` and
than the chunk's noise floor by ``VOICE_ABOVE_FLOOR_DB``, (2) not flat in spectrum (spectral
flatness below ``MAX_FLATNESS``: white or fan noise is flat, voice is peaky) and (3) has most of
its energy in the voice band 100–3400 Hz. Under room hum its floor rises and speech is lost, and
a steady band-limited noise counts as voice (docs/vision.md, "Audio").
"""

from __future__ import annotations

import io
import wave
from typing import Any

import numpy as np
from django.conf import settings

# The audio format the media process and the recording decoder write: 16 kHz keeps the voice
# band and little else, and 16-bit PCM is the only WAV ``read_wav`` accepts.
RATE = 16_000
SAMPLE_WIDTH = 2

FRAME_SECONDS = 0.03
VOICE_MIN_DBFS = -50.0
VOICE_ABOVE_FLOOR_DB = 6.0
MAX_FLATNESS = 0.45
MIN_BAND_SHARE = 0.7


class AudioError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def wav_of(pcm: bytes, rate: int = RATE) -> bytes:
    """A mono 16-bit PCM WAV file of little-endian samples ``pcm``."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Mono float samples in [-1, 1] and the sample rate of 16-bit PCM WAV ``data``."""
    try:
        with wave.open(io.BytesIO(data)) as wav:
            if wav.getsampwidth() != 2:
                raise AudioError("only 16-bit PCM WAV is supported")
            rate, channels = wav.getframerate(), wav.getnchannels()
            raw = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise AudioError(f"not a WAV file: {exc}") from None
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples[: len(samples) // channels * channels].reshape(-1, channels).mean(1)
    return samples, rate


def voice_activity(samples: np.ndarray, rate: int) -> dict[str, Any]:
    """Voiced segments and the voiced share of the chunk, by the configured detector."""
    if getattr(settings, "VISION_VOICE_DETECTOR", "silero") == "silero":
        from vision import vad

        return vad.voice_activity(samples, rate)
    return energy_activity(samples, rate)


def energy_activity(samples: np.ndarray, rate: int) -> dict[str, Any]:
    """Per-frame voice decisions of the energy detector and the voiced share of the chunk."""
    size = max(1, int(rate * FRAME_SECONDS))
    count = len(samples) // size
    if count == 0:
        return {"frames": 0, "voiced_ratio": 0.0, "segments": [], "detector": "energy"}
    frames = samples[: count * size].reshape(count, size).astype(np.float64)
    rms = np.sqrt((frames**2).mean(1)) + 1e-12
    dbfs = 20 * np.log10(rms)
    floor = float(np.percentile(dbfs, 10))
    window = np.hanning(size)
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2 + 1e-20
    freqs = np.fft.rfftfreq(size, 1 / rate)
    flatness = np.exp(np.log(power).mean(1)) / power.mean(1)
    band = (freqs >= 100) & (freqs <= 3400)
    band_share = power[:, band].sum(1) / power.sum(1)
    voiced = (
        (dbfs > VOICE_MIN_DBFS)
        & (dbfs > floor + VOICE_ABOVE_FLOOR_DB)
        & (flatness < MAX_FLATNESS)
        & (band_share > MIN_BAND_SHARE)
    )
    # A chunk that is loud, peaky and in-band throughout has no quiet floor to compare with.
    if floor > VOICE_MIN_DBFS + 10:
        voiced = (flatness < MAX_FLATNESS) & (band_share > MIN_BAND_SHARE) & (dbfs > floor - 3)
    segments: list[list[float]] = []
    for index, on in enumerate(voiced):
        t = round(index * FRAME_SECONDS, 2)
        if on and (not segments or segments[-1][1] < t - 1e-9):
            segments.append([t, round(t + FRAME_SECONDS, 2)])
        elif on:
            segments[-1][1] = round(t + FRAME_SECONDS, 2)
    return {
        "frames": int(count),
        "voiced_ratio": round(float(voiced.mean()), 3),
        "noise_floor_dbfs": round(floor, 1),
        "median_flatness": round(float(np.median(flatness)), 3),
        "segments": segments,
        "detector": "energy",
    }
