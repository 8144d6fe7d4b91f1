"""Where an attempt's recording shows nothing to review: the stretches the review player skips
(issue 16 §2, "skipping stretches with no alert and no motion").

A stretch is quiet only where the cameras' frame analyses *show* stillness: two analysed frames
of a view close enough together (``MAX_SAMPLE_GAP_MS``) and nothing changed between them (the
number of faces, people or devices, a face box that moved or changed size as the vision
pipeline's own check measures it, looking away, or a frame-difference ``motion`` at or over
``VISION_MOTION_THRESHOLD``). Where no analysis exists (the vision worker was away, a view was
not sampled) nothing is known, so nothing is skipped: the player never hides what no one looked
at. Every camera view that was analysed must be still at once; the shared screen (view 3) is not
analysed and does not count. Alerts, with a lead-in and a trail, are never quiet, and quiet
stretches shorter than ``QUIET_MIN_MS`` are played (a jump costs the reviewer more than it
saves).

Times are epoch milliseconds, as on the review page's timeline.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db.models import Func, IntegerField
from django.db.models.fields.json import KeyTransform

from proctoring.models import EvidenceFrame, FrameAnalysis

Span = tuple[int, int]

QUIET_MIN_MS = 15_000
ALERT_LEAD_MS = 5_000
ALERT_TRAIL_MS = 5_000
# A face box moved (or resized) by this share of its size is motion: the vision pipeline's own
# test of a face worth encoding again (``vision.analysis._face_moved``).
FACE_SHIFT = 0.25
FACE_RESIZE = 0.2
CAMERA_VIEWS = (1, 2)


def max_sample_gap_ms() -> int:
    """Two analyses further apart than this say nothing about the time between them: one
    sample missed is allowed, two are not."""
    return int(settings.WEBRTC_SAMPLE_EVERY_SECONDS * 2.5 * 1000)


def _count(result: Mapping[str, Any], key: str) -> int:
    # A stored result lists the detections; ``attempt_samples`` reads only their number.
    found = result.get(key)
    return found if isinstance(found, int) else len(found or [])


def _faces(result: Mapping[str, Any]) -> list[Mapping[str, int]]:
    return list((result.get("faces") or {}).get("boxes") or [])


def _box_moved(old: Mapping[str, int], new: Mapping[str, int]) -> bool:
    size = max(1, min(old["right"] - old["left"], old["bottom"] - old["top"]))
    new_size = min(new["right"] - new["left"], new["bottom"] - new["top"])
    shift = max(abs(old["left"] - new["left"]), abs(old["top"] - new["top"]))
    return shift > FACE_SHIFT * size or abs(size - new_size) > FACE_RESIZE * size


def _away(result: Mapping[str, Any]) -> bool:
    return bool((result.get("looking_away") or {}).get("away"))


def changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether the picture changed in a way a reviewer should see between two analyses."""
    motion = new.get("motion")
    if motion is not None and motion >= settings.VISION_MOTION_THRESHOLD:
        return True
    if any(_count(old, key) != _count(new, key) for key in ("persons", "devices")):
        return True
    old_faces, new_faces = _faces(old), _faces(new)
    if len(old_faces) != len(new_faces) or _away(old) != _away(new):
        return True
    return any(_box_moved(a, b) for a, b in zip(old_faces, new_faces, strict=True))


def still_spans(samples: Sequence[tuple[int, Mapping[str, Any]]], max_gap_ms: int) -> list[Span]:
    """The spans between consecutive analysed samples ``(ms, result)`` of one view (in time
    order) that are close enough and show no change, merged."""
    spans: list[Span] = []
    for (t0, old), (t1, new) in itertools.pairwise(samples):
        if "error" in old or "error" in new or t1 - t0 > max_gap_ms or changed(old, new):
            continue
        spans.append((t0, t1))
    return merge(spans)


def merge(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        elif end > start:
            out.append((start, end))
    return out


def intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(spans: Sequence[Span], holes: Iterable[Span]) -> list[Span]:
    out = list(spans)
    for h_start, h_end in merge(holes):
        kept: list[Span] = []
        for start, end in out:
            if h_end <= start or h_start >= end:
                kept.append((start, end))
                continue
            if start < h_start:
                kept.append((start, h_start))
            if h_end < end:
                kept.append((h_end, end))
        out = kept
    return out


def quiet_spans(
    samples_by_view: Mapping[int, Sequence[tuple[int, Mapping[str, Any]]]],
    alerts: Iterable[Span],
    *,
    max_gap_ms: int,
    min_ms: int = QUIET_MIN_MS,
) -> list[Span]:
    """The quiet stretches from each camera view's analysed samples and the alerts' spans:
    still in every analysed view, away from every alert, at least ``min_ms`` long."""
    quiet: list[Span] | None = None
    for view in sorted(samples_by_view):
        samples = samples_by_view[view]
        if not samples:
            continue
        still = still_spans(samples, max_gap_ms)
        quiet = still if quiet is None else intersect(quiet, still)
    if not quiet:
        return []
    busy = [(start - ALERT_LEAD_MS, end + ALERT_TRAIL_MS) for start, end in alerts]
    return [(s, e) for s, e in subtract(quiet, busy) if e - s >= min_ms]


def _ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


def _array_length(key: str) -> Func:
    return Func(
        KeyTransform(key, "result"), function="jsonb_array_length", output_field=IntegerField()
    )


def attempt_samples(attempt: Any) -> dict[int, list[tuple[int, Mapping[str, Any]]]]:
    """Each camera view's analysed frames of ``attempt``, in time order: of each result only
    what ``changed`` compares, read in the database (a 90-minute attempt's whole results are
    about 2 MB, mostly detections and model details the review page never shows)."""
    rows = (
        FrameAnalysis.objects.filter(frame__attempt=attempt, frame__view__in=CAMERA_VIEWS)
        .exclude(frame__kind__in=[EvidenceFrame.Kind.SCREEN, EvidenceFrame.Kind.PROCTOR])
        .annotate(persons=_array_length("persons"), devices=_array_length("devices"))
        .order_by("frame__captured_at", "pk")
        .values_list(
            "frame__view",
            "frame__captured_at",
            "result__error",
            "result__motion",
            "persons",
            "devices",
            "result__faces__boxes",
            "result__looking_away__away",
        )
    )
    samples: dict[int, list[tuple[int, Mapping[str, Any]]]] = {v: [] for v in CAMERA_VIEWS}
    for view, captured_at, error, motion, persons, devices, boxes, away in rows:
        result: dict[str, Any]
        if error is not None or persons is None:  # unreadable frame, or an empty result
            result = {"error": error or "empty"}
        else:
            result = {
                "motion": motion,
                "persons": persons,
                "devices": devices or 0,
                "faces": {"boxes": boxes or []},
                "looking_away": {"away": bool(away)},
            }
        samples[view].append((_ms(captured_at), result))
    return samples


def attempt_quiet_spans(attempt: Any, alerts: Iterable[Span]) -> list[Span]:
    """The quiet stretches of ``attempt``'s recording (``alerts``: their spans in ms)."""
    return quiet_spans(attempt_samples(attempt), alerts, max_gap_ms=max_sample_gap_ms())


def player_seconds(
    start: int, end: int, quiet: Iterable[Span], *, speed: float, seek_cost_s: float = 0.0
) -> float:
    """How long the player takes to play ``start``–``end`` at ``speed``, skipping ``quiet``
    (each skip costing ``seek_cost_s`` of loading): the figure of docs/performance.md."""
    skipped = intersect(merge(quiet), [(start, end)])
    played_ms = (end - start) - sum(e - s for s, e in skipped)
    return played_ms / 1000 / speed + seek_cost_s * len(skipped)
