"""How well each voice detector tells speech from room noise and key clicks (R-PROC-3).

The corpus is built here, from real speech and from noise made with a fixed seed:

- **Speech** (real recordings): ``video/talking_face_audio.wav`` of the shared data (a man
  singing/talking into a microphone, audience behind) and the audio of ``short_hamilton_clip.mp4``
  when PyAV can decode it; plus, when a folder of clean spoken clips is given (``speech_dir``,
  one short utterance per WAV), pairs of them joined by a pause.
- **Noise** (no recording of a room or a keyboard is in the shared data, so both are made):
  room noise is brown and pink noise with 50 Hz mains hum and its harmonics; typing is key
  presses and releases at about six a second, each a few milliseconds of decaying broadband
  click with a resonance between 1.5 and 4 kHz. Files given in ``noise_files`` are used as
  further noise.

Each speech clip is mixed with each noise at measured signal-to-noise ratios (speech power over
its active frames against the noise's power), and each noise is also scored alone at several
levels. Two figures per detector:

- **chunk**: does the chunk raise a talking alert (voiced share ≥ ``VISION_VOICE_RATIO``)? A
  chunk with speech should, a chunk of noise alone should not. This is what the proctor sees.
- **frame** (only for the clean spoken clips, whose speech frames are known from the clean
  signal): per 10 ms, voiced or not, against the truth.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vision import audio, vad

RATE = 16_000
GRID = 0.01  # frame-level truth and decisions compared per 10 ms
SPEECH_DBFS = -26.0  # speech is brought to this active level before mixing
SNRS = (20.0, 10.0, 5.0, 0.0)
NOISE_ALONE_DBFS = (-50.0, -40.0, -30.0, -20.0)

Detector = Callable[[np.ndarray, int], dict[str, Any]]
DETECTORS: dict[str, Detector] = {"energy": audio.energy_activity, "silero": vad.voice_activity}


@dataclass
class Clip:
    name: str
    samples: np.ndarray
    speech: bool
    noise: str = ""
    snr: float | None = None
    truth: np.ndarray | None = None  # per GRID, for clips whose speech frames are known


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: np.ndarray, said: np.ndarray) -> None:
        self.tp += int((truth & said).sum())
        self.fp += int((~truth & said).sum())
        self.fn += int((truth & ~said).sum())
        self.tn += int((~truth & ~said).sum())

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def as_json(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
        }


@dataclass
class Report:
    chunk: dict[str, dict[str, Counts]] = field(default_factory=dict)  # detector -> group
    frame: dict[str, dict[str, Counts]] = field(default_factory=dict)
    cpu_ms_per_audio_second: dict[str, float] = field(default_factory=dict)
    clips: int = 0
    audio_seconds: float = 0.0
    sources: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "clips": self.clips,
            "audio_seconds": round(self.audio_seconds, 1),
            "sources": self.sources,
            "cpu_ms_per_audio_second": self.cpu_ms_per_audio_second,
            "chunk": {
                d: {g: c.as_json() for g, c in groups.items()} for d, groups in self.chunk.items()
            },
            "frame": {
                d: {g: c.as_json() for g, c in groups.items()} for d, groups in self.frame.items()
            },
        }


# --- Sources ------------------------------------------------------------------------------


def load_wav(path: Path) -> np.ndarray:
    samples, rate = audio.read_wav(path.read_bytes())
    return vad.resample(samples, rate, RATE)


def load_media_audio(path: Path) -> np.ndarray | None:
    """The audio track of a video file at 16 kHz mono, or None without PyAV or a track."""
    try:
        import av
    except ImportError:
        return None
    pieces: list[np.ndarray] = []
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        for frame in container.decode(audio=0):
            pieces.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(frame))
        pieces.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
    return np.concatenate(pieces).astype(np.float32) if pieces else None


def active_mask(clean: np.ndarray) -> np.ndarray:
    """Speech frames (per GRID) of a clean recording: within 35 dB of its loudest 10 ms, with
    gaps under 150 ms bridged (the pauses inside a word are speech to a listener)."""
    size = int(RATE * GRID)
    count = len(clean) // size
    frames = clean[: count * size].reshape(count, size).astype(np.float64)
    db = 10 * np.log10((frames**2).mean(1) + 1e-12)
    on = db > db.max() - 35
    gap = int(0.15 / GRID)
    indexes = np.flatnonzero(on)
    for a, b in itertools.pairwise(indexes):
        if 1 < b - a <= gap:
            on[a:b] = True
    return on


def level(samples: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Power in dBFS, over the GRID frames of ``mask`` when given."""
    if mask is not None:
        size = int(RATE * GRID)
        frames = samples[: len(mask) * size].reshape(len(mask), size)
        samples = frames[mask]
    return float(10 * np.log10(np.mean(np.asarray(samples, dtype=np.float64) ** 2) + 1e-20))


def scaled(samples: np.ndarray, dbfs: float, mask: np.ndarray | None = None) -> np.ndarray:
    return (samples * 10 ** ((dbfs - level(samples, mask)) / 20)).astype(np.float32)


def room_noise(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Ventilation and traffic rumble (brown), hiss (pink) and mains hum (50 Hz + harmonics)."""
    n = int(seconds * RATE)
    spectrum = np.fft.rfft(rng.normal(0, 1, n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    f[0] = f[1]
    brown = np.fft.irfft(spectrum / f, n)
    pink = np.fft.irfft(np.fft.rfft(rng.normal(0, 1, n)) / np.sqrt(f), n)
    t = np.arange(n) / RATE
    hum = sum(np.sin(2 * np.pi * 50 * k * t + rng.uniform(0, 6.3)) / k for k in (1, 2, 3, 4))
    mix = brown / brown.std() + 0.5 * pink / pink.std() + 0.3 * hum / np.std(hum)
    return (mix / mix.std()).astype(np.float32)


def keyboard(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Typing: a press and a release (60–110 ms later) per key, keys 80–300 ms apart."""
    n = int(seconds * RATE)
    out = np.zeros(n)
    t = rng.uniform(0, 0.1)
    while t < seconds - 0.2:
        for offset, gain in ((0.0, 1.0), (rng.uniform(0.06, 0.11), rng.uniform(0.3, 0.6))):
            start = int((t + offset) * RATE)
            length = int(RATE * 0.03)
            k = np.arange(length) / RATE
            decay = np.exp(-k / rng.uniform(0.002, 0.006))
            ring = np.sin(2 * np.pi * rng.uniform(1500, 4000) * k) * np.exp(-k / 0.004)
            click = gain * (rng.normal(0, 1, length) * decay + 0.8 * ring)
            end = min(n, start + length)
            out[start:end] += click[: end - start] * rng.uniform(0.5, 1.0)
        t += rng.uniform(0.08, 0.3)
    return (out / (out.std() + 1e-12)).astype(np.float32)


NOISES: dict[str, Callable[[float, np.random.Generator], np.ndarray]] = {
    "room": room_noise,
    "keyboard": keyboard,
    "room+keyboard": lambda s, rng: room_noise(s, rng) + 2.0 * keyboard(s, rng),
}


def _looped(recorded: np.ndarray) -> Callable[[float, np.random.Generator], np.ndarray]:
    """A recorded noise as a generator of any length (repeated end to end)."""

    def make(seconds: float, _rng: np.random.Generator) -> np.ndarray:
        return np.resize(recorded, int(seconds * RATE))

    return make


def speech_clips(data_dir: Path, speech_dir: Path | None) -> list[tuple[str, np.ndarray, Any]]:
    """``(name, clean 16 kHz samples, truth mask or None)`` of every speech source found."""
    clips: list[tuple[str, np.ndarray, Any]] = []
    wav = data_dir / "video" / "talking_face_audio.wav"
    if wav.is_file():
        clips.append(("talking_face_audio.wav", load_wav(wav), None))
    mp4 = data_dir / "video" / "short_hamilton_clip.mp4"
    if mp4.is_file():
        track = load_media_audio(mp4)
        if track is not None:
            # 4 s windows, the length of a live audio chunk.
            for start in range(0, int(len(track) / RATE) - 3, 4):
                piece = track[start * RATE : (start + 4) * RATE]
                clips.append((f"short_hamilton_clip.mp4@{start}s", piece, None))
    if speech_dir is not None:
        spoken = [load_wav(p) for p in sorted(speech_dir.glob("*.wav"))]
        # An utterance has silence around it; a file loud from end to end (a noise test file
        # beside the spoken ones) is no speech clip.
        spoken = [s for s in spoken if 0.2 < active_mask(s).mean() < 0.9]
        pause = np.zeros(int(0.4 * RATE), dtype=np.float32)
        for index in range(0, len(spoken) - 1, 2):
            joined = np.concatenate([pause, spoken[index], pause, spoken[index + 1], pause])
            clips.append((f"{speech_dir.name}#{index}", joined, active_mask(joined)))
    return clips


def corpus(
    data_dir: Path,
    *,
    speech_dir: Path | None = None,
    noise_files: Iterable[Path] = (),
    snrs: Iterable[float] = SNRS,
    seed: int = 15,
) -> tuple[list[Clip], list[str]]:
    rng = np.random.default_rng(seed)
    sources = speech_clips(data_dir, speech_dir)
    noises = dict(NOISES)
    for path in noise_files:
        noises[path.name] = _looped(load_wav(path))
    clips: list[Clip] = []
    for name, clean, truth in sources:
        seconds = len(clean) / RATE
        mask = truth if truth is not None else active_mask(clean)
        speech = scaled(clean, SPEECH_DBFS, mask)
        for noise_name, make in noises.items():
            noise = make(seconds + 0.1, rng)[: len(speech)]
            for snr in snrs:
                mixed = speech + scaled(noise, SPEECH_DBFS - snr)
                clips.append(
                    Clip(f"{name}+{noise_name}@{snr:g}dB", mixed, True, noise_name, snr, truth)
                )
    for noise_name, make in noises.items():
        for dbfs in NOISE_ALONE_DBFS:
            noise = scaled(make(4.0, rng), dbfs)
            clips.append(Clip(f"{noise_name}@{dbfs:g}dBFS", noise, False, noise_name))
    return clips, [name for name, _, _ in sources] + list(noises)


# --- Scoring ------------------------------------------------------------------------------


def decisions(result: dict[str, Any], count: int) -> np.ndarray:
    """A detector's voiced segments as a per-GRID mask of ``count`` frames."""
    said = np.zeros(count, dtype=bool)
    for start, end in result.get("segments", []):
        said[round(start / GRID) : round(end / GRID)] = True
    return said


def evaluate(clips: list[Clip], voice_ratio: float, sources: list[str] | None = None) -> Report:
    report = Report(clips=len(clips), sources=sources or [])
    report.audio_seconds = sum(len(c.samples) for c in clips) / RATE
    for name, detect in DETECTORS.items():
        chunk: dict[str, Counts] = {}
        frame: dict[str, Counts] = {}
        spent = 0.0
        for clip in clips:
            started = time.process_time()
            result = detect(clip.samples, RATE)
            spent += time.process_time() - started
            alert = np.array([result["voiced_ratio"] >= voice_ratio])
            truth = np.array([clip.speech])
            groups = ["all", f"noise: {clip.noise}"]
            if clip.snr is not None:
                groups.append(f"snr: {clip.snr:g} dB")
            for group in groups:
                chunk.setdefault(group, Counts()).add(truth, alert)
            if clip.truth is not None:
                said = decisions(result, len(clip.truth))
                for group in ("all", f"snr: {clip.snr:g} dB"):
                    frame.setdefault(group, Counts()).add(clip.truth, said)
        report.chunk[name] = chunk
        report.frame[name] = frame
        report.cpu_ms_per_audio_second[name] = round(1000 * spent / report.audio_seconds, 2)
    return report


def table(report: Report) -> str:
    lines = [
        f"{report.clips} clips, {report.audio_seconds:.0f} s of audio; sources: "
        + ", ".join(report.sources),
        "CPU ms per second of audio: "
        + ", ".join(f"{d} {ms}" for d, ms in report.cpu_ms_per_audio_second.items()),
    ]
    for title, figures in (
        ("chunk (talking alert)", report.chunk),
        ("frame (10 ms)", report.frame),
    ):
        groups = sorted({g for per in figures.values() for g in per}, key=_group_order)
        if not groups:
            continue
        lines.append("")
        lines.append(f"{title:<28}" + "".join(f"{d + ' P':>10}{d + ' R':>10}" for d in figures))
        for group in groups:
            row = f"{group:<28}"
            for per in figures.values():
                counts = per.get(group, Counts())
                row += f"{counts.precision:>10.3f}{counts.recall:>10.3f}"
            lines.append(row)
    return "\n".join(lines)


def _group_order(group: str) -> tuple[int, str]:
    return (0 if group == "all" else 1 if group.startswith("noise") else 2, group)
