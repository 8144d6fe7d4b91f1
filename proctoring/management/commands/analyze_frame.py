"""``manage.py analyze_frame IMAGE [--enrolled PHOTO] [--view 1|2] --json``: run the frame
analysis and the alert rules on one image, without the web UI or a database row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from proctoring.alerts import findings
from proctoring.models import AlertRules
from vision import analysis, faces
from vision.images import ImageError, load_image


class Command(BaseCommand):
    help = "Analyse one image as a proctoring frame and print the structured result."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("image", type=Path)
        parser.add_argument("--enrolled", type=Path, help="the candidate's enrolment photo")
        parser.add_argument("--view", type=int, choices=[1, 2], default=1)
        parser.add_argument("--json", action="store_true", help="print JSON only")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            image = load_image(options["image"].read_bytes())
            enrolled = None
            if options["enrolled"]:
                photo = load_image(options["enrolled"].read_bytes())
                boxes = faces.detect_faces(photo)
                problem = faces.single_face_problem(photo, boxes)
                if problem:
                    raise CommandError(f"enrolment photo: {problem.message}")
                enrolled = faces.encode(photo, boxes[0])
        except (OSError, ImageError) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from exc
        result = analysis.analyse(image, view=options["view"], enrolled=enrolled)
        out = {**result.to_json(), "alerts": sorted(findings(result, AlertRules.defaults()))}
        self.stdout.write(
            json.dumps(out, ensure_ascii=False, indent=None if options["json"] else 2)
        )
