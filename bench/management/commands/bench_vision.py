"""``manage.py bench_vision [--frames DIR] [--limit N] --json``: replay real frames through the
naive baseline and the production pipeline in one run and print throughput, per-stage p50/p95,
whether both raise the same alerts, and the worker's resident memory. A benchmark, not a test:
the numbers go into docs/performance.md with the machine they were measured on.

Default frames: both fake-webcam clips of ``SHARED_DATA_DIR/video`` (each against its own
enrolment photo, as one stream) and the still scenes of ``SHARED_DATA_DIR/scenes``.
"""

from __future__ import annotations

import json
import os
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand

from vision import analysis, faces, objects
from vision.images import load_image
from vision.video import read_y4m


def _encoding(path: Path) -> np.ndarray:
    image = load_image(path.read_bytes())
    return faces.encode(image, faces.detect_faces(image)[0])


def _workload(frames_dir: Path | None, limit: int) -> list[tuple[str, np.ndarray, Any]]:
    data = Path(settings.SHARED_DATA_DIR)
    work: list[tuple[str, np.ndarray, Any]] = []
    if frames_dir is not None:
        for path in sorted(frames_dir.iterdir()):
            if path.suffix.lower() in {".jpg", ".jpeg", ".png"}:
                work.append(("dir", load_image(path.read_bytes()), None))
        return work[:limit] if limit else work
    clips = [
        ("talking", "talking_face_640x360_15fps.y4m", "lin_manuel_miranda_1.jpg"),
        ("headpose", "webcam_head_pose_480x270_15fps.y4m", "headpose_male_1.jpg"),
    ]
    for stream, clip, photo in clips:
        enrolled = _encoding(data / "faces" / photo)
        for frame in read_y4m(data / "video" / clip, limit=limit or None):
            work.append((stream, frame, enrolled))
    scene_ref = _encoding(data / "faces" / "obama_1.jpg")
    for path in sorted((data / "scenes").glob("*.jpg")):
        work.append((f"scene:{path.name}", load_image(path.read_bytes()), scene_ref))
    return work


def _run(mode: str, work: list[tuple[str, np.ndarray, Any]]) -> dict[str, Any]:
    from proctoring.alerts import findings
    from proctoring.models import AlertRules

    rules = AlertRules.defaults()
    states: dict[str, analysis.StreamState] = {}
    stages: dict[str, list[float]] = {}
    alerts: dict[str, list[str]] = {}
    clock = 0.0
    reused = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for stream, frame, enrolled in work:
        # A replayed clip runs at its own 15 fps: the production pipeline's clock follows it.
        clock += 1 / 15
        state = None
        if mode == "production" and not stream.startswith("scene:"):
            state = states.setdefault(stream, analysis.StreamState())
        result = analysis.analyse(frame, enrolled=enrolled, state=state, mode=mode, now=clock)
        reused += result.reused
        for name, ms in result.timings_ms.items():
            stages.setdefault(name, []).append(ms)
        if stream.startswith("scene:"):
            alerts[stream[6:]] = sorted(findings(result, rules))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "frames": len(work),
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "fps": round(len(work) / wall, 2),
        "fps_per_core": round(len(work) / cpu, 2),
        "frames_reused": reused,
        "stages_ms": {
            name: {
                "p50": round(float(np.percentile(v, 50)), 1),
                "p95": round(float(np.percentile(v, 95)), 1),
                "runs": len(v),
            }
            for name, v in stages.items()
        },
        "scene_alerts": alerts,
    }


class Command(BaseCommand):
    help = "Benchmark the vision pipeline (baseline vs production) on real frames."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--frames", type=Path, default=None, help="a folder of images")
        parser.add_argument("--limit", type=int, default=0, help="frames per clip (0: all)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        faces._api()
        objects.model()  # the baseline runs Ultralytics' predict
        if objects.uses_lite():
            objects.lite()
        load_seconds = time.perf_counter() - started
        work = _workload(options["frames"], options["limit"])
        baseline = _run("baseline", work)
        production = _run("production", work)
        out = {
            "machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname()[2:5:2])},
            "settings": {
                "yolo": str(settings.VISION_YOLO_WEIGHTS).rsplit("/", 1)[-1],
                "yolo_imgsz": settings.VISION_YOLO_IMGSZ,
                "face_max_side": settings.VISION_FRAME_FACE_MAX_SIDE,
                "encode_every_seconds": settings.VISION_ENCODE_EVERY_SECONDS,
                "face_upsample": settings.VISION_FRAME_FACE_UPSAMPLE,
                "yolo_runtime": settings.VISION_YOLO_RUNTIME,
                "motion_threshold": settings.VISION_MOTION_THRESHOLD,
                "full_analysis_every_seconds": settings.VISION_FULL_ANALYSIS_EVERY_SECONDS,
            },
            "model_load_seconds": round(load_seconds, 2),
            "baseline": baseline,
            "production": production,
            "ratio_fps_per_core": round(production["fps_per_core"] / baseline["fps_per_core"], 2),
            "ratio_fps": round(production["fps"] / baseline["fps"], 2),
            "same_scene_alerts": baseline["scene_alerts"] == production["scene_alerts"],
            "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        self.stdout.write(
            json.dumps(out, ensure_ascii=False, indent=None if options["json"] else 2)
        )
