"""R-CERT-3: the face rule of the registered photo runs on the vision workers
(``vision.check_candidate_photo``, routed to the ``vision`` queue) with the real face detector:
exactly one face passes, none or several are recorded as the photo's problem, and batch
verification then sends the record to manual confirmation."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image

from candidates import photos, verification
from candidates.models import Candidate
from candidates.statuses import Verification
from candidates.tasks import check_candidate_photo
from config.celery import app
from tests import certification_world
from tests.certification_world import RED, photo

if TYPE_CHECKING:
    from tests.personas import Personas

pytest.importorskip("face_recognition")


def faces_dir():
    return settings.SHARED_DATA_DIR / "faces"


def id_photo_from(path, box: tuple[int, int, int, int]) -> bytes:
    """A 295×413 ID photo: the person cut out of a real photograph, on a red background."""
    person = Image.open(path).convert("RGB").crop(box)
    scale = 230 / person.width
    person = person.resize((230, int(person.height * scale)))
    canvas = Image.new("RGB", (photos.WIDTH, photos.HEIGHT), RED)
    canvas.paste(person, (32, photos.HEIGHT - person.height))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=92)
    return out.getvalue()


def group_photo() -> bytes:
    group = Image.open(faces_dir() / "groups" / "obama_biden_1.jpg").convert("RGB")
    group.thumbnail((photos.WIDTH, photos.HEIGHT))
    canvas = Image.new("RGB", (photos.WIDTH, photos.HEIGHT), RED)
    canvas.paste(group, (0, photos.HEIGHT - group.height))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=92)
    return out.getvalue()


@pytest.fixture
def world(personas: Personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return certification_world.build(personas)


def with_photo(world, serial: int, data: bytes) -> Candidate:
    candidate = certification_world.verified_candidate(
        world, serial, "考生", world.institution.site
    )
    Candidate.objects.filter(pk=candidate.pk).update(verification=Verification.PENDING)
    candidate.refresh_from_db()
    candidate.photo.save("x.jpg", ContentFile(data))
    return candidate


def test_the_face_check_is_a_vision_task():
    route = app.amqp.router.route({}, check_candidate_photo.name)
    assert check_candidate_photo.name == "vision.check_candidate_photo"
    assert route["queue"].name == "vision"


def test_one_face_passes_and_the_record_is_verified_in_the_batch(world):
    data = id_photo_from(faces_dir() / "obama_1.jpg", (249, 60, 717, 660))
    assert photos.problem(data) is None  # every rule of the web process passes too
    candidate = with_photo(world, 501, data)

    check_candidate_photo(candidate.pk)
    candidate.refresh_from_db()
    assert (candidate.photo_faces, candidate.photo_problem) == (1, "")

    result = verification.verify_batch(Candidate.objects.filter(pk=candidate.pk))
    candidate.refresh_from_db()
    assert result.verified == 1 and candidate.verification == Verification.VERIFIED


def test_no_face_and_several_faces_need_manual_confirmation(world):
    nobody = with_photo(world, 502, photo())
    crowd = with_photo(world, 503, group_photo())
    for candidate in (nobody, crowd):
        check_candidate_photo(candidate.pk)
    nobody.refresh_from_db()
    crowd.refresh_from_db()
    assert (nobody.photo_faces, nobody.photo_problem) == (0, "no_face")
    assert (crowd.photo_faces or 0) >= 2 and crowd.photo_problem == "several_faces"

    result = verification.verify_batch(Candidate.objects.filter(pk__in=[nobody.pk, crowd.pk]))
    assert result.needs_manual == 2
    crowd.refresh_from_db()
    assert crowd.verification == Verification.NEEDS_MANUAL
    assert crowd.verification_note == "several_faces"


def test_a_record_waits_in_pending_until_its_face_check_ran(world):
    candidate = with_photo(world, 504, photo())
    result = verification.verify_batch(Candidate.objects.filter(pk=candidate.pk))
    candidate.refresh_from_db()
    assert result.waiting == 1 and candidate.verification == Verification.PENDING


def test_a_vanished_candidate_is_no_error(db):
    check_candidate_photo(987654321)
