"""R-CERT-3: photos in the zip are matched by ID number and each broken rule is reported with
its own reason; good photos are stored with the candidate and queued for the face check."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from candidates import imports, photos
from candidates.models import Candidate
from tests import certification_world
from tests.certification_world import id_number, photo, xlsx, zip_of

if TYPE_CHECKING:
    from tests.personas import Personas


@pytest.fixture
def world(personas: Personas) -> certification_world.World:
    return certification_world.build(personas)


def rows(n: int) -> list[list[object]]:
    return [[f"考生{i}", id_number(200 + i), "13800138000", "HGJL-M", "470201"] for i in range(n)]


def test_each_broken_photo_rule_is_reported_with_its_reason(world):
    ids = [r[1] for r in rows(6)]
    huge = photo(size=(2950, 4130), fmt="PNG") + b"\0" * (6 * 2**20)
    archive = zip_of(
        {
            f"{ids[0]}.jpg": photo(),
            f"{ids[1]}.gif": photo(fmt="GIF"),
            f"{ids[2]}.png": huge,
            f"{ids[3]}.jpg": photo(size=(300, 400)),
            f"{ids[4]}.jpg": photo(background=(255, 255, 255)),
            f"{ids[5]}.jpg": photo(background=(40, 90, 200)),
            f"{id_number(999)}.jpg": photo(),
            "notes.txt": b"hello",
        }
    )
    report = imports.import_candidates(xlsx(rows(6)), world.institution, photos_zip=archive)

    assert report.problem_keys() == [
        (None, "photo", "unknown_id"),
        (None, "photo", "unknown_id"),
        (3, "photo", "format"),
        (4, "photo", "file_size"),
        (5, "photo", "dimensions"),
        (6, "photo", "background"),
        (7, "photo", "background"),
    ]
    assert report.problems[2].message.startswith(f"{ids[1]}.gif: ")
    assert (
        report.imported == 0
        and Candidate.objects.filter(institution=world.institution).count() == 0
    )


def test_good_photos_are_stored_with_their_candidates(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = False
    data = rows(2)
    archive = zip_of(
        {f"{data[0][1]}.jpg": photo(), f"{str(data[1][1]).lower()}.PNG": photo(fmt="PNG")}
    )
    report = imports.import_candidates(xlsx(data), world.institution, photos_zip=archive)

    assert report.ok and report.photos == 2 and report.imported == 2
    stored = Candidate.objects.get(id_number=data[1][1])
    assert stored.photo.name == f"candidates/photos/{stored.pk}.png"
    assert photos.problem(stored.photo.read()) is None


def test_a_darker_studio_red_and_a_shoulder_at_the_edge_still_count_as_red():
    assert photos.problem(photo(background=(190, 25, 35))) is None
    assert photos.problem(photo(background=(255, 0, 0))) is None
    pink = photos.problem(photo(background=(230, 120, 120)))
    assert pink is not None and pink.code == "background"


def test_a_zip_that_is_not_a_zip_is_reported(world):
    report = imports.import_candidates(xlsx(rows(1)), world.institution, photos_zip=b"PK nope")
    assert report.problem_keys() == [(None, "file", "bad_zip")]
