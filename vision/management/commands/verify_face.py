"""``manage.py verify_face ENROLMENT_PHOTO CAPTURE... --json``: distances of each capture to
the enrolment photo and the burst decision (median and majority), without liveness."""

from __future__ import annotations

import json
from pathlib import Path
from statistics import median
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from vision import faces
from vision.images import ImageError, load_image


class Command(BaseCommand):
    help = "Compare captures with an enrolment photo and print distances and the decision."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("enrolment", type=Path)
        parser.add_argument("captures", type=Path, nargs="+")
        parser.add_argument("--threshold", type=float, default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        threshold = options["threshold"] or settings.VISION_FACE_DISTANCE_THRESHOLD
        try:
            photo = load_image(options["enrolment"].read_bytes())
        except (OSError, ImageError) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from exc
        boxes = faces.detect_faces(photo)
        problem = faces.single_face_problem(photo, boxes)
        if problem:
            raise CommandError(f"enrolment photo: {problem.message}")
        enrolled = faces.encode(photo, boxes[0])
        rows = []
        for path in options["captures"]:
            row: dict[str, Any] = {"capture": str(path)}
            try:
                image = load_image(path.read_bytes())
            except (OSError, ImageError) as exc:
                row["error"] = str(getattr(exc, "message", exc))
                rows.append(row)
                continue
            found = faces.detect_faces(image)
            row["faces"] = len(found)
            if found:
                row["distance"] = round(faces.distance(enrolled, faces.encode(image, found[0])), 4)
                row["match"] = row["distance"] <= threshold
            rows.append(row)
        distances = [r["distance"] for r in rows if "distance" in r]
        med = round(float(median(distances)), 4) if distances else None
        matches = sum(d <= threshold for d in distances)
        decision = (
            bool(distances)
            and med is not None
            and med <= threshold
            and matches * 2 > len(distances)
        )
        out = {
            "threshold": threshold,
            "captures": rows,
            "median_distance": med,
            "matching": matches,
            "decision": "match" if decision else "no_match",
        }
        self.stdout.write(
            json.dumps(out, ensure_ascii=False, indent=None if options["json"] else 2)
        )
