"""Face enrolment: one usable face required, the encoding encrypted at rest with a key outside
the database, staff unbind audited, and the raw image purged after the retention period."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from audit.models import AuditEntry
from core.lifecycle import IllegalTransition
from tests.personas import Personas
from tests.vision.conftest import face_bytes
from vision import crypto, services, tasks
from vision.models import FaceEnrolment, FaceTemplate
from vision.statuses import EnrolmentStatus

pytestmark = pytest.mark.django_db


def enrol(personas: Personas, photo: str) -> FaceEnrolment:
    enrolment = services.start_enrolment(
        personas.carol, face_bytes(photo), FaceEnrolment.Source.UPLOAD, actor=personas.sam
    )
    tasks.enrol_face.apply(args=[enrolment.pk]).get()
    enrolment.refresh_from_db()
    return enrolment


def test_a_portrait_is_enrolled_and_its_encoding_is_stored_encrypted(
    personas: Personas, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    enrolment = enrol(personas, "obama_1.jpg")
    assert enrolment.status == EnrolmentStatus.ENROLLED
    stored = bytes(FaceTemplate.objects.get(enrolment=enrolment).encrypted)
    assert stored.startswith(b"gAAAA")  # a Fernet token, not 1024 bytes of float64
    encoding = services.enrolled_encoding(personas.carol.pk)
    assert encoding is not None and encoding.shape == (128,)
    assert np.linalg.norm(encoding) > 0.5


def test_the_template_cannot_be_read_with_another_key(
    personas: Personas, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    enrol(personas, "obama_1.jpg")
    token = bytes(FaceTemplate.objects.get().encrypted)
    settings.FACE_TEMPLATE_KEY = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzI="
    crypto._fernet.cache_clear()
    try:
        with pytest.raises(crypto.TemplateUnreadable):
            crypto.decrypt_encoding(token)
    finally:
        crypto._fernet.cache_clear()


def test_production_refuses_to_encrypt_without_a_key(settings) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.FACE_TEMPLATE_KEY = ""
    settings.FACE_TEMPLATE_KEY_REQUIRED = True
    crypto._fernet.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="FACE_TEMPLATE_KEY"):
            crypto.encrypt_encoding(np.zeros(128))
    finally:
        crypto._fernet.cache_clear()


@pytest.mark.parametrize(
    ("photo", "code"),
    [("groups/obama_biden_1.jpg", "several_faces"), ("../scenes/empty_room_1.jpg", "no_face")],
)
def test_a_photo_without_exactly_one_face_is_refused_with_the_reason(
    personas: Personas, settings, tmp_path, photo: str, code: str
) -> None:
    settings.MEDIA_ROOT = tmp_path
    enrolment = enrol(personas, photo)
    assert enrolment.status == EnrolmentStatus.FAILED
    assert enrolment.problem_code == code
    assert enrolment.problem
    assert not FaceTemplate.objects.exists()


def test_a_tiny_face_is_refused_as_too_small(personas: Personas, settings, tmp_path) -> None:
    import io

    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    small = io.BytesIO()
    image = Image.open(io.BytesIO(face_bytes("obama_1.jpg")))
    image.resize((image.width // 3, image.height // 3)).save(small, format="JPEG")
    settings.VISION_MIN_FACE_PX = 120
    enrolment = services.start_enrolment(
        personas.carol, small.getvalue(), FaceEnrolment.Source.UPLOAD, actor=personas.sam
    )
    tasks.enrol_face.apply(args=[enrolment.pk]).get()
    enrolment.refresh_from_db()
    assert enrolment.problem_code == "too_small"


def test_unbinding_deletes_the_template_and_image_and_is_audited(
    personas: Personas, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    enrolment = enrol(personas, "obama_1.jpg")
    path = enrolment.image.path
    with pytest.raises(IllegalTransition):
        services.start_enrolment(personas.carol, face_bytes("obama_2.jpg"), "upload")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.unbind(enrolment, actor=personas.sam, reason="new photo")
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.UNBOUND
    assert not FaceTemplate.objects.exists()
    assert not enrolment.image
    import os

    assert not os.path.exists(path)
    entry = AuditEntry.objects.get(action="face_enrolment.unbound")
    assert entry.actor == personas.sam and entry.data["reason"] == "new photo"
    again = enrol(personas, "obama_2.jpg")  # the candidate can enrol again
    assert again.status == EnrolmentStatus.ENROLLED


def test_the_enrol_task_survives_a_vanished_row_and_runs_twice_harmlessly(
    personas: Personas, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    assert tasks.enrol_face.apply(args=[987654]).get() is None
    enrolment = enrol(personas, "obama_1.jpg")
    assert tasks.enrol_face.apply(args=[enrolment.pk]).get() == EnrolmentStatus.ENROLLED
    assert FaceTemplate.objects.count() == 1
    assert AuditEntry.objects.filter(action="face_enrolment.enrolled").count() == 1


def test_raw_enrolment_images_are_purged_after_the_retention_period(
    personas: Personas, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    enrolment = enrol(personas, "obama_1.jpg")
    assert services.purge_enrolment_images() == 0
    later = timezone.now() + dt.timedelta(days=settings.VISION_ENROLMENT_IMAGE_RETENTION_DAYS + 1)
    assert services.purge_enrolment_images(later) == 1
    enrolment.refresh_from_db()
    assert not enrolment.image
    assert services.enrolled_encoding(personas.carol.pk) is not None  # the template stays


def test_the_system_check_reports_a_malformed_key_but_not_a_missing_one(settings) -> None:
    """Only the vision workers use the key, and they refuse to start without it
    (tests/test_vision_worker_start.py); web, media and migrate run their checks without it."""
    from vision.checks import face_template_key

    settings.FACE_TEMPLATE_KEY_REQUIRED = True
    crypto._fernet.cache_clear()
    try:
        settings.FACE_TEMPLATE_KEY = "not-a-fernet-key"
        assert [e.id for e in face_template_key()] == ["vision.E001"]
        crypto._fernet.cache_clear()
        settings.FACE_TEMPLATE_KEY = ""
        assert face_template_key() == []
    finally:
        crypto._fernet.cache_clear()
