"""``manage.py bench_vision [--frames DIR] [--limit N] [--streams N] [--seconds S] --json``:
replay real frames through the naive baseline and through the worker's pipeline as the worker
runs it, and print CPU time per frame, the ratio per core against the baseline, per-stage
p50/p95, whether both raise the same alerts, and the process's resident memory. A benchmark,
not a test: the numbers go into docs/performance.md with the machine they were measured on.

What the worker does, replayed here: the media process stores one JPEG per view every
``WEBRTC_SAMPLE_EVERY_SECONDS``; the task decodes it (``load_image``) and calls ``analyse``
with the stream's state, its clock running at the stream's own time, so the motion check may
reuse a result only when two samples are less than ``VISION_FULL_ANALYSIS_EVERY_SECONDS``
apart. Each clip of ``SHARED_DATA_DIR/video`` becomes ``--streams`` candidate streams of
``--seconds`` seconds (the clip played back and forth, each stream starting at another frame,
so that every frame is sampled), replayed twice: at the production cadence and at one frame a
second per view (``one_fps``), what the same cores would have to do to look at each view once
a second. The baseline analyses every frame of the clips once (it keeps no state, so its cost
per frame does not depend on the cadence). Still scenes of ``SHARED_DATA_DIR/scenes`` (or of
``--frames``) are each the first frame of a new stream, and their alerts are compared with the
baseline's; a folder of stills alone is also what the cadence runs replay.

Process CPU time, not wall time, is the measure: the machine may be shared, and CPU time per
frame is what decides how many views a core can follow.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand

from vision import analysis, faces, objects
from vision.images import encode_jpeg, load_image
from vision.video import read_y4m

CLIP_FPS = 15
CLIPS = [
    ("talking", "talking_face_640x360_15fps.y4m", "lin_manuel_miranda_1.jpg"),
    ("headpose", "webcam_head_pose_480x270_15fps.y4m", "headpose_male_1.jpg"),
]


@dataclass
class Source:
    """One distinct frame: its JPEG as the media process stores it, and its enrolment."""

    name: str
    jpeg: bytes
    enrolled: np.ndarray | None


def _encoding(path: Path) -> np.ndarray:
    image = load_image(path.read_bytes())
    return faces.encode(image, faces.detect_faces(image)[0])


def _jpeg(image: np.ndarray) -> bytes:
    from proctoring.media.peers import JPEG_QUALITY

    return encode_jpeg(image, quality=JPEG_QUALITY)


def _clips(limit: int) -> dict[str, list[Source]]:
    data = Path(settings.SHARED_DATA_DIR)
    clips: dict[str, list[Source]] = {}
    for stream, clip, photo in CLIPS:
        enrolled = _encoding(data / "faces" / photo)
        clips[stream] = [
            Source(f"{stream}#{i}", _jpeg(frame), enrolled)
            for i, frame in enumerate(read_y4m(data / "video" / clip, limit=limit or None))
        ]
    return clips


def _scenes(frames_dir: Path | None) -> list[Source]:
    data = Path(settings.SHARED_DATA_DIR)
    if frames_dir is not None:
        paths = [p for p in sorted(frames_dir.iterdir()) if p.suffix.lower() in {".jpg", ".png"}]
        return [Source(p.name, p.read_bytes(), None) for p in paths]
    reference = _encoding(data / "faces" / "obama_1.jpg")
    return [
        Source(p.name, p.read_bytes(), reference) for p in sorted((data / "scenes").glob("*.jpg"))
    ]


def _pingpong(index: int, length: int) -> int:
    """Frame ``index`` of a clip played forwards, backwards, forwards…"""
    if length == 1:
        return 0
    period = 2 * (length - 1)
    index %= period
    return index if index < length else period - index


def schedule(
    clips: dict[str, list[Source]], *, every: float, streams: int, seconds: float
) -> list[tuple[str, float, Source]]:
    """(stream key, stream time, frame) in the order a worker would get them: ``streams``
    candidates per clip, each sampled every ``every`` seconds for ``seconds`` seconds."""
    work: list[tuple[float, str, Source]] = []
    for name, frames in clips.items():
        for k in range(streams):
            phase = round(k * len(frames) / streams)
            t = 0.0
            while t < seconds:
                frame = frames[_pingpong(phase + round(t * CLIP_FPS), len(frames))]
                work.append((t, f"{name}:{k}", frame))
                t += every
    work.sort(key=lambda item: (item[0], item[1]))
    return [(key, t, frame) for t, key, frame in work]


class _Run:
    def __init__(self) -> None:
        self.frames = self.reused = self.encodings = 0
        self.stages: dict[str, list[float]] = {}
        self.cpu = 0.0
        self.wall = 0.0

    def add(self, result: analysis.FrameResult) -> None:
        self.frames += 1
        self.reused += result.reused
        self.encodings += "encoding" in result.timings_ms
        for name, ms in result.timings_ms.items():
            self.stages.setdefault(name, []).append(ms)

    def report(self) -> dict[str, Any]:
        frames = max(1, self.frames)
        return {
            "frames": self.frames,
            "cpu_seconds": round(self.cpu, 2),
            "wall_seconds": round(self.wall, 2),
            "cpu_ms_per_frame": round(self.cpu / frames * 1000, 1),
            "fps_per_core": round(frames / max(self.cpu, 1e-9), 2),
            "frames_reused": self.reused,
            "identity_encodings": self.encodings,
            "stages_ms": {
                name: {
                    "p50": round(float(np.percentile(v, 50)), 1),
                    "p95": round(float(np.percentile(v, 95)), 1),
                    "runs": len(v),
                }
                for name, v in self.stages.items()
            },
        }


def _alerts(result: analysis.FrameResult) -> list[str]:
    from proctoring.alerts import findings
    from proctoring.models import AlertRules

    return sorted(findings(result, AlertRules.defaults()))


def run_baseline(sources: list[Source]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    run = _Run()
    alerts: dict[str, list[str]] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    for source in sources:
        result = analysis.analyse(
            load_image(source.jpeg), enrolled=source.enrolled, mode="baseline"
        )
        run.add(result)
        alerts[source.name] = _alerts(result)
    run.wall, run.cpu = time.perf_counter() - wall, time.process_time() - cpu
    return run.report(), alerts


def run_worker(
    work: list[tuple[str, float, Source]], baseline_alerts: dict[str, list[str]]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The worker's path: decode the stored JPEG, analyse with the stream's state and clock."""
    run = _Run()
    states: dict[str, analysis.StreamState] = {}
    alerts: dict[str, list[str]] = {}
    agree = 0
    differences: dict[str, int] = {}  # "+kind": raised here, not by the baseline; "-kind": missed
    spent = 0.0
    wall = time.perf_counter()
    for key, t, source in work:
        state = states.setdefault(key, analysis.StreamState())
        cpu = time.process_time()
        result = analysis.analyse(
            load_image(source.jpeg), enrolled=source.enrolled, state=state, now=t
        )
        spent += time.process_time() - cpu
        run.add(result)
        found = _alerts(result)
        alerts[source.name] = found
        wanted = baseline_alerts.get(source.name, [])
        agree += found == wanted
        for kind in set(found) ^ set(wanted):
            sign = "+" if kind in found else "-"
            differences[sign + kind] = differences.get(sign + kind, 0) + 1
    run.wall, run.cpu = time.perf_counter() - wall, spent
    report = run.report()
    report["frames_with_the_baseline_alerts"] = agree
    report["alert_differences"] = dict(sorted(differences.items()))
    return report, alerts


# VmHWM, not getrusage: a child's ru_maxrss starts from its parent's peak (fork before exec).
_WORKER_RSS = """
import re, django
django.setup()
from django.conf import settings
from pathlib import Path
from vision import analysis
from vision.images import load_image
analysis.warm_up()
image = load_image((Path(settings.SHARED_DATA_DIR) / "scenes" / "person_laptop_1.jpg").read_bytes())
analysis.analyse(image, enrolled=None, state=analysis.StreamState())
status = open("/proc/self/status").read()
print(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
"""


def worker_rss_mib() -> float | None:
    """Peak resident memory of a process that loads what a vision worker process loads (the
    worker's models only, not Ultralytics' baseline) and analyses one frame."""
    done = subprocess.run(  # noqa: S603  (this interpreter, a fixed script)
        [sys.executable, "-c", _WORKER_RSS], capture_output=True, text=True, check=False
    )
    lines = done.stdout.split()
    return round(int(lines[-1]) / 1024, 1) if done.returncode == 0 and lines else None


class Command(BaseCommand):
    help = "Benchmark the vision pipeline (baseline vs the worker's) on real frames, in CPU time."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--frames", type=Path, default=None, help="a folder of still images")
        parser.add_argument("--limit", type=int, default=0, help="frames per clip (0: all)")
        parser.add_argument("--streams", type=int, default=4, help="candidate streams per clip")
        parser.add_argument("--seconds", type=float, default=120.0, help="length of each stream")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        clock = analysis.clock
        analysis.warm_up()
        objects.model()  # the baseline runs Ultralytics' predict
        load_seconds = time.perf_counter() - started
        clips = _clips(options["limit"]) if options["frames"] is None else {}
        scenes = _scenes(options["frames"])
        clip_frames = [frame for frames in clips.values() for frame in frames]

        analysis.clock = time.thread_time  # stage timings in CPU time, as the totals
        # The baseline's cost per frame on the frames the worker runs replay (the clips; the
        # scenes, when only a folder of stills is given), and its alerts on every frame.
        baseline, baseline_alerts = run_baseline(clip_frames or scenes)
        baseline_alerts.update(run_baseline(scenes)[1] if clip_frames else {})
        cadence = settings.WEBRTC_SAMPLE_EVERY_SECONDS
        runs: dict[str, Any] = {}
        # Each scene is the first frame of a stream of its own (a worker always has a state).
        first_frames = [(f"scene:{s.name}", 0.0, s) for s in scenes]
        for name, every in (("production_cadence", cadence), ("one_fps", 1.0)):
            work = schedule(
                clips, every=every, streams=options["streams"], seconds=options["seconds"]
            )
            runs[name], _ = run_worker(work or first_frames, baseline_alerts)
        _, scene_alerts = run_worker(first_frames, baseline_alerts)
        analysis.clock = clock
        wanted = {s.name: baseline_alerts[s.name] for s in scenes}
        base_fps = baseline["fps_per_core"]
        out = {
            "machine": {
                "cpus": os.cpu_count(),
                "uname": " ".join(os.uname()[2:5:2]),
                "load_average": [round(v, 2) for v in os.getloadavg()],
            },
            "settings": {
                "sample_every_seconds": cadence,
                "full_analysis_every_seconds": settings.VISION_FULL_ANALYSIS_EVERY_SECONDS,
                "encode_every_seconds": settings.VISION_ENCODE_EVERY_SECONDS,
                "motion_threshold": settings.VISION_MOTION_THRESHOLD,
                "yolo": str(settings.VISION_YOLO_WEIGHTS).rsplit("/", 1)[-1],
                "yolo_runtime": settings.VISION_YOLO_RUNTIME,
                "face_detector": settings.VISION_FACE_DETECTOR,
                "face_max_side": settings.VISION_FRAME_FACE_MAX_SIDE,
                "face_upsample": settings.VISION_FRAME_FACE_UPSAMPLE,
                "streams_per_clip": options["streams"],
                "stream_seconds": options["seconds"],
            },
            "model_load_seconds": round(load_seconds, 2),
            "baseline": baseline,
            **runs,
            "ratio_fps_per_core": round(runs["production_cadence"]["fps_per_core"] / base_fps, 2),
            "ratio_fps_per_core_one_fps": round(runs["one_fps"]["fps_per_core"] / base_fps, 2),
            "scene_alerts": {"baseline": wanted, "worker": scene_alerts},
            "same_scene_alerts": scene_alerts == wanted,
            "worker_rss_mib": worker_rss_mib(),
            "bench_max_rss_mib": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
        }
        self.stdout.write(
            json.dumps(out, ensure_ascii=False, indent=None if options["json"] else 2)
        )
