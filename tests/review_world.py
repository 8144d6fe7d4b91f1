"""Finished attempts with alerts, recordings and frame analyses, for the review tests."""

from __future__ import annotations

import datetime as dt
import io
from fractions import Fraction
from functools import cache
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from exams import services
from exams.models import Attempt, Registration
from proctoring.models import (
    Alert,
    AlertKind,
    AlertStatus,
    EvidenceFrame,
    FrameAnalysis,
    RecordingSegment,
)
from tests.personas import Personas, answering


def finished_attempt(personas: Personas, who: str = "carol") -> Attempt:
    registration = Registration.objects.get(exam=personas.formal, candidate=getattr(personas, who))
    attempt = answering(registration)
    services.submit(attempt, reason="time_over")
    attempt.refresh_from_db()
    return attempt


def alert(
    attempt: Attempt,
    kind: str,
    severity: int,
    at: dt.datetime,
    *,
    seconds: float = 3,
    confidence: float = 0.9,
    view: int = 1,
) -> Alert:
    return Alert.objects.create(
        attempt=attempt,
        kind=kind,
        view=view,
        severity=severity,
        status=AlertStatus.CLOSED,
        confidence=confidence,
        opened_at=at,
        last_seen_at=at + dt.timedelta(seconds=seconds),
        closed_at=at + dt.timedelta(seconds=seconds),
    )


@cache
def webm(seconds: float = 10.0, source: str | None = None) -> bytes:
    """A real VP8 WebM segment (PyAV), from the shared talking-face clip when ``source`` is
    given (so a player shows a person), else a grey ramp; 160×120 at 15 fps."""
    import av
    import numpy as np

    frames: list[Any] = []
    if source:
        with av.open(source) as clip:
            for frame in clip.decode(video=0):
                frames.append(frame.to_ndarray(format="rgb24", width=160, height=120))
                if len(frames) >= seconds * 15:
                    break
    out = io.BytesIO()
    with av.open(out, "w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=15)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i in range(int(seconds * 15)):
            pixels = (
                frames[i % len(frames)]
                if frames
                else np.full((120, 160, 3), (i * 8) % 255, dtype=np.uint8)
            )
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 15)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def segments(
    attempt: Attempt, view: int, start: dt.datetime, count: int, data: bytes, seconds: int = 10
) -> list[RecordingSegment]:
    """``count`` back-to-back segments of ``seconds`` from ``start`` (stored as an upload
    would leave them)."""
    rows = []
    for seq in range(count):
        rows.append(
            RecordingSegment.objects.create(
                attempt=attempt,
                view=view,
                seq=seq,
                client_id=f"seg-{view}-{seq:04d}",
                started_at=start + dt.timedelta(seconds=seq * seconds),
                duration_ms=seconds * 1000,
                size=len(data),
                file=ContentFile(data, name="segment.webm"),
            )
        )
    return rows


def face_result(left: int = 100, top: int = 60, size: int = 80, **extra: Any) -> dict[str, Any]:
    """A stored frame analysis of one seated candidate (the form of FrameResult.to_json)."""
    return {
        "view": 1,
        "size": [640, 360],
        "pipeline": "production",
        "persons": [{"label": "person", "confidence": 0.9, "box": [0, 0, 1, 1]}],
        "devices": [],
        "objects": [],
        "faces": {
            "count": 1,
            "boxes": [{"top": top, "right": left + size, "bottom": top + size, "left": left}],
        },
        "identity": None,
        "covered": None,
        "looking_away": {"yaw": 0.1, "away": False},
        "models": {},
        "reused": False,
        "timings_ms": {},
        **extra,
    }


def analyses(
    attempt: Attempt, view: int, samples: list[tuple[dt.datetime, dict[str, Any]]]
) -> None:
    for at, result in samples:
        frame = EvidenceFrame.objects.create(
            attempt=attempt,
            view=view,
            kind=EvidenceFrame.Kind.FRAME,
            image=ContentFile(b"\xff\xd8\xff", name="f.jpg"),
            captured_at=at,
        )
        FrameAnalysis.objects.create(frame=frame, result=result)


def ninety_minute_attempt(
    move_every_s: float = 180, seed: int = 16
) -> tuple[dict[int, list[tuple[int, dict[str, Any]]]], list[tuple[int, int]], int, int]:
    """A 90-minute attempt as the frame analyses would record it, for the player-time figure.

    Both camera views sampled every ``WEBRTC_SAMPLE_EVERY_SECONDS`` (5 s), one sample in a
    hundred lost; the seated candidate's face box jitters by up to 4 px on an 80 px face (a
    breath, a blink: not motion), and moves clearly (leaning, turning, looking down at scrap
    paper) at random moments, on average once every ``move_every_s`` per view, independently.
    Five alerts: a phone seen 6 s, another person 20 s, looking away 4 s, talking 12 s and a
    lost phone view 45 s. Returns the samples per view, the alerts' spans, start and end (ms).
    """
    import random

    rng = random.Random(seed)
    start = 1_800_000_000_000
    end = start + 90 * 60 * 1000
    step = 5000
    samples: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for view in (1, 2):
        rows = []
        for t in range(start, end + 1, step):
            if rng.random() < 0.01:
                continue
            moved = rng.random() < step / 1000 / move_every_s
            shift = 30 if moved else rng.randint(-4, 4)
            rows.append((t, face_result(left=100 + shift, top=60 + rng.randint(-4, 4))))
        samples[view] = rows
    minute = 60_000
    alerts = [
        (start + 12 * minute, start + 12 * minute + 6_000),
        (start + 31 * minute, start + 31 * minute + 20_000),
        (start + 47 * minute, start + 47 * minute + 4_000),
        (start + 63 * minute, start + 63 * minute + 12_000),
        (start + 80 * minute, start + 80 * minute + 45_000),
    ]
    return samples, alerts, start, end


def now_minus(minutes: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


__all__ = ["AlertKind", "alert", "analyses", "face_result", "finished_attempt", "segments"]
