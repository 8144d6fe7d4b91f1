"""A candidate takes, and re-takes, their own enrolment photo before the exam opens where the
exam allows it (``Exam.allows_self_enrolment``), with their consent; the identity check then
compares them with that photo. Refused where the exam does not allow it, once it has opened,
and where staff enrolled the face. Real photos and video frames, real face models."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from exams import identity
from exams.models import Exam
from exams.statuses import CheckStatus
from tests.conftest import candidate_client
from tests.personas import Personas
from tests.vision.conftest import clip_frames, face_bytes, shared
from vision import crypto, services, tasks
from vision.images import encode_jpeg
from vision.models import FaceEnrolment, FaceTemplate
from vision.statuses import EnrolmentStatus

pytestmark = pytest.mark.django_db

PAGE = "/vision/identity/enrolment/"


@pytest.fixture
def before_the_exam(personas: Personas, settings, tmp_path) -> Exam:
    """The formal exam opens in ten minutes (candidates may sign in 30 minutes early), with the
    identity step and self-enrolment allowed."""
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now()
    Exam.objects.filter(pk=personas.formal.pk).update(
        requires_identity=True,
        allows_self_enrolment=True,
        opens_at=now + dt.timedelta(minutes=10),
        closes_at=now + dt.timedelta(hours=4),
    )
    return Exam.objects.get(pk=personas.formal.pk)


def at_identity_step(personas: Personas) -> Client:
    client = candidate_client(personas, "carol")
    client.get("/exam/")
    client.post("/exam/info/")
    client.post("/exam/commitment/", {"decision": "accept"})
    client.post("/vision/identity/consent/", {"choice": "automatic"})
    return client


def send(client: Client, photo: bytes, consent: bool = True):
    data: dict[str, object] = {"photo": SimpleUploadedFile("enrolment.jpg", photo)}
    if consent:
        data["consent"] = "on"
    return client.post(PAGE, data)


def burst_passes(candidate) -> bool:
    """The identity check of ``candidate`` with a live head-turn burst of the singer."""
    frames = [
        encode_jpeg(f, 90) for f in clip_frames("talking_face_640x360_15fps.y4m", 14, 10, step=2)
    ]
    check = identity.start_check(candidate, frames, "turn_head")
    decided = identity.complete_check(check.pk)
    assert decided is not None
    return decided.status == CheckStatus.PASSED


def test_the_candidate_enrols_re_takes_and_the_check_compares_with_their_photo(
    personas: Personas, before_the_exam, django_capture_on_commit_callbacks
) -> None:
    client = at_identity_step(personas)
    step = client.get("/exam/identity/").content.decode()
    assert f'href="{PAGE}"' in step

    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'name="consent"' in page.content.decode() and 'type="file"' in page.content.decode()

    # Without consent nothing is stored.
    assert send(client, face_bytes("lin_manuel_miranda_1.jpg"), consent=False).status_code == 400
    assert not FaceEnrolment.objects.exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = send(client, face_bytes("lin_manuel_miranda_1.jpg"))
    assert response.status_code == 302 and response["Location"] == PAGE
    assert len(callbacks) == 1  # the face check is queued for the vision workers
    enrolment = FaceEnrolment.objects.get(candidate=personas.carol)
    assert (enrolment.status, enrolment.source) == (EnrolmentStatus.PENDING, "capture")
    assert 'http-equiv="refresh"' in client.get(PAGE).content.decode()  # waits for the result
    tasks.enrol_face.apply(args=[enrolment.pk]).get()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED
    template = FaceTemplate.objects.get(enrolment=enrolment)
    assert crypto.decrypt_encoding(template.encrypted).shape == (128,)
    assert AuditEntry.objects.filter(action="face_enrolment.self_capture").count() == 1

    assert burst_passes(personas.carol)  # the check compares with the photo just taken

    # A re-take of someone else's face replaces it; the same burst no longer passes.
    assert send(client, face_bytes("obama_1.jpg")).status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.source) == (EnrolmentStatus.PENDING, "capture")
    assert AuditEntry.objects.filter(action="face_enrolment.unbound").exists()
    tasks.enrol_face.apply(args=[enrolment.pk]).get()
    assert not burst_passes(personas.carol)


def test_a_photo_without_a_usable_face_is_refused_with_the_reason(
    personas: Personas, before_the_exam
) -> None:
    client = at_identity_step(personas)
    send(client, face_bytes("obama_1.jpg"))
    enrolment = FaceEnrolment.objects.get()
    tasks.enrol_face.apply(args=[enrolment.pk]).get()
    # Enrolled; a re-take of an empty room is refused by the worker, with the reason shown.
    send(client, shared("scenes", "empty_room_1.jpg").read_bytes())
    enrolment.refresh_from_db()
    tasks.enrol_face.apply(args=[enrolment.pk]).get()
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.problem_code) == (EnrolmentStatus.FAILED, "no_face")
    assert enrolment.problem in client.get(PAGE).content.decode()
    not_an_image = send(client, b"not a photo")
    assert not_an_image.status_code == 400
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.FAILED  # nothing changed


def test_an_exam_without_the_flag_refuses_self_enrolment(
    personas: Personas, before_the_exam
) -> None:
    Exam.objects.filter(pk=before_the_exam.pk).update(allows_self_enrolment=False)
    client = at_identity_step(personas)
    assert PAGE not in client.get("/exam/identity/").content.decode()
    page = client.get(PAGE).content.decode()
    assert 'data-code="refused"' in page and 'name="consent"' not in page
    assert send(client, face_bytes("obama_1.jpg")).status_code == 403
    assert not FaceEnrolment.objects.exists()


def test_self_enrolment_ends_when_the_exam_opens(personas: Personas, before_the_exam) -> None:
    client = at_identity_step(personas)
    Exam.objects.filter(pk=before_the_exam.pk).update(
        opens_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert send(client, face_bytes("obama_1.jpg")).status_code == 403
    assert not FaceEnrolment.objects.exists()


def test_a_face_staff_enrolled_is_not_replaced_by_the_candidate(
    personas: Personas, before_the_exam
) -> None:
    enrolment = services.start_enrolment(personas.carol, face_bytes("obama_1.jpg"), "photo")
    services.complete_enrolment(enrolment.pk)
    client = at_identity_step(personas)
    assert send(client, face_bytes("lin_manuel_miranda_1.jpg")).status_code == 403
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.source) == (EnrolmentStatus.ENROLLED, "photo")
