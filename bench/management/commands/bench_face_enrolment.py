"""Benchmark: enrol N candidates (default 1,000) in bulk from registered photos made from the
real photos of the shared test data, through the real background job (``vision.bulk``), and
print the rate as JSON.

The photos are 295×413 ID photos on a red background cut from the shared data's pictures, in
turn: mostly one clear face, plus a face too small, an empty room and two people, so every
outcome of the report is exercised. Everything runs in one transaction that is rolled back, and
the files go to a temporary media folder that is removed, so it can be pointed at a real
database. The job runs in this process, as one vision worker process would run it.
"""

from __future__ import annotations

import io
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import override_settings

from accounts.models import User
from accounts.roles import Role
from candidates import idnumber
from candidates.models import Candidate
from jobs import services as job_services
from jobs.models import BackgroundJob
from vision import bulk

# The registered photos, used in turn: (path under the shared data, the face's box as the data's
# README lists it (top, right, bottom, left), or None to take the whole picture). A photo with a
# box is cut around the face as an ID photo is; the last three give the other outcomes.
SOURCES: list[tuple[str, tuple[int, int, int, int] | None]] = [
    ("faces/obama_1.jpg", (142, 617, 409, 349)),
    ("faces/obama_2.jpg", (290, 438, 558, 171)),
    ("faces/obama_3.jpg", (204, 932, 590, 546)),
    ("faces/obama_4.jpg", (277, 954, 598, 633)),
    ("faces/biden_1.jpg", (241, 740, 562, 419)),
    ("faces/biden_2.jpg", (297, 913, 759, 451)),
    ("faces/alex_lacamoire_1.jpg", (206, 598, 527, 277)),
    ("faces/alex_lacamoire_2.jpg", (206, 954, 527, 633)),
    ("faces/alex_lacamoire_3.jpg", (150, 339, 305, 184)),
    ("faces/lin_manuel_miranda_1.jpg", (170, 562, 491, 241)),
    ("faces/headpose_male_1.jpg", None),  # a small webcam still: the face is too small
    ("scenes/empty_room_1.jpg", None),  # no face
    ("faces/groups/obama_biden_1.jpg", None),  # two faces (the two heads, see GROUP_CROP)
]
GROUP_CROP = (200, 0, 1020, 330)


class Command(BaseCommand):
    help = "Measure bulk face enrolment from registered photos; prints JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--candidates", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["candidates"]
        photos = [_id_photo(Path(settings.SHARED_DATA_DIR) / p, box) for p, box in SOURCES]
        from vision import faces

        faces._api()  # a worker loads the models when it starts, not inside the job
        load_before = os.getloadavg()
        with (
            tempfile.TemporaryDirectory() as media,
            override_settings(MEDIA_ROOT=media),
            transaction.atomic(),
        ):
            building = time.perf_counter()
            owner = _candidates(count, photos)
            built = time.perf_counter() - building
            job = job_services.start(bulk.KIND, owner, params={}, total=count)
            cpu_before = resource.getrusage(resource.RUSAGE_SELF)
            started = time.perf_counter()
            job_services.run(job.pk)
            seconds = time.perf_counter() - started
            cpu_after = resource.getrusage(resource.RUSAGE_SELF)
            job = BackgroundJob.objects.get(pk=job.pk)
            transaction.set_rollback(True)  # nothing stays, the queued task is never sent
        if job.status != "done" or job.result is None:
            raise CommandError(f"the job ended {job.status}: {job.error}")
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
            cpu_after.ru_stime - cpu_before.ru_stime
        )
        self.stdout.write(
            json.dumps(
                {
                    "benchmark": "face_enrolment",
                    "candidates": count,
                    "build_candidates_s": round(built, 2),
                    "job_s": round(seconds, 2),
                    "per_second": round(count / seconds, 2),
                    "ms_per_candidate": round(1000 * seconds / count, 1),
                    "cpu_s": round(cpu, 2),
                    "counts": job.result["counts"],
                    "detect_max_side": settings.VISION_FACE_DETECT_MAX_SIDE,
                    "upsample": settings.VISION_FACE_DETECT_UPSAMPLE,
                    "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                    "database": connection.vendor,
                    "cpus": os.cpu_count(),
                    "machine": platform.machine(),
                    "processor": _processor(),
                    "python": platform.python_version(),
                }
            )
        )


def _id_photo(path: Path, face: tuple[int, int, int, int] | None) -> bytes:
    """A 295×413 photo on a red background: the head and shoulders around ``face`` (or the
    whole picture), scaled to fit."""
    from PIL import Image

    from candidates import photos

    if not path.exists():
        raise CommandError(f"shared test data missing: {path} (setting SHARED_DATA_DIR)")
    picture = Image.open(path).convert("RGB")
    if path.parent.name == "groups":
        picture = picture.crop(GROUP_CROP)
    elif face is not None:
        top, right, _bottom, left = face
        width = 1.8 * (right - left)
        centre = (left + right) / 2
        upper = max(0, top - 0.45 * (right - left))
        picture = picture.crop(
            (
                max(0, round(centre - width / 2)),
                round(upper),
                min(picture.width, round(centre + width / 2)),
                min(picture.height, round(upper + width * photos.HEIGHT / photos.WIDTH)),
            )
        )
    picture.thumbnail((photos.WIDTH, photos.HEIGHT))
    canvas = Image.new("RGB", (photos.WIDTH, photos.HEIGHT), (220, 20, 30))
    canvas.paste(picture, ((photos.WIDTH - picture.width) // 2, photos.HEIGHT - picture.height))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=92)
    return out.getvalue()


def _candidates(count: int, photos: list[bytes]) -> User:
    """An evaluation-organisation account and ``count`` candidates with registered photos."""
    owner = User.objects.create(username="bench-faces-org", role=Role.ORG_ADMIN)
    users = User.objects.bulk_create(
        User(username=f"bench-face-{i}", role=Role.CANDIDATE) for i in range(count)
    )
    people = Candidate.objects.bulk_create(
        Candidate(user=user, id_number=_id_number(i), name=f"基准考生{i:05d}")
        for i, user in enumerate(users)
    )
    for i, person in enumerate(people):
        person.photo.save("photo.jpg", ContentFile(photos[i % len(photos)]), save=False)
    Candidate.objects.bulk_update(people, ["photo"])
    return owner


def _id_number(i: int) -> str:
    first17 = f"919999{1990 + i % 20}{1 + i % 12:02d}{1 + i % 28:02d}{i // 100 % 1000:03d}"
    return first17 + idnumber.check_character(first17)


def _processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
