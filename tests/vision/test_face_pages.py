"""Staff enrol, unbind and review faces through the pages, scoped to their site; candidates
post a burst of frames and read the decision; the exam flow asks ``identity_passed``."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit.models import AuditEntry
from exams import identity
from exams import tasks as exams_tasks
from exams.models import IdentityCheck
from exams.statuses import CheckStatus
from tests.personas import PASSWORD, Personas
from tests.vision.conftest import face_bytes
from vision import services, tasks
from vision.models import FaceEnrolment
from vision.statuses import EnrolmentStatus

pytestmark = pytest.mark.django_db


def staff_client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_a_site_administrator_enrols_a_candidate_from_an_uploaded_photo(
    personas: Personas, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    sam = staff_client("sam")
    assert "Carol" in sam.get("/vision/staff/faces/").content.decode()
    url = f"/vision/staff/faces/{personas.carol.pk}/"
    with django_capture_on_commit_callbacks() as callbacks:
        response = sam.post(
            url,
            {"action": "upload", "photo": SimpleUploadedFile("p.jpg", face_bytes("obama_1.jpg"))},
        )
    assert response.status_code == 302
    assert len(callbacks) == 1  # the task is queued after the commit
    enrolment = FaceEnrolment.objects.get(candidate=personas.carol)
    tasks.enrol_face.apply(args=[enrolment.pk]).get()
    page = sam.get(url).content.decode()
    assert str(EnrolmentStatus.ENROLLED.label) in page or "已录入" in page or "Enrolled" in page


def test_an_upload_that_is_not_an_image_is_refused_on_the_page(
    personas: Personas, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    response = staff_client("sam").post(
        f"/vision/staff/faces/{personas.carol.pk}/",
        {"action": "upload", "photo": SimpleUploadedFile("p.jpg", b"hello, not a photo")},
    )
    assert response.status_code == 200
    assert not FaceEnrolment.objects.exists()


def test_another_sites_administrator_and_proctors_cannot_see_the_candidate(
    personas: Personas,
) -> None:
    url = f"/vision/staff/faces/{personas.carol.pk}/"
    assert staff_client("olga").get(url).status_code == 404
    assert staff_client("paula").get(url).status_code == 403


def test_staff_unbind_a_face_through_the_page_with_an_audited_reason(
    personas: Personas, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    enrolment = services.start_enrolment(personas.carol, face_bytes("obama_1.jpg"), "upload")
    tasks.enrol_face.apply(args=[enrolment.pk]).get()
    url = f"/vision/staff/faces/{personas.carol.pk}/unbind/"
    assert staff_client("olga").post(url, {"reason": "x"}).status_code == 404
    response = staff_client("sam").post(url, {"reason": "candidate changed glasses"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.UNBOUND
    assert AuditEntry.objects.filter(action="face_enrolment.unbound", actor=personas.sam).exists()


def test_a_candidate_posts_a_burst_and_a_still_photo_replay_is_refused_as_non_living(
    personas: Personas, carol_client: Client, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    enrolment = services.start_enrolment(personas.carol, face_bytes("obama_1.jpg"), "upload")
    tasks.enrol_face.apply(args=[enrolment.pk]).get()
    carol_client.post("/vision/identity/consent/", {"choice": "automatic"})
    page = carol_client.get("/vision/identity/")
    assert page.status_code == 200
    still = face_bytes("obama_2.jpg")
    frames = [SimpleUploadedFile(f"f{i}.jpg", still, "image/jpeg") for i in range(6)]
    response = carol_client.post("/vision/identity/", {"frame": frames})
    assert response.status_code == 202, response.content
    check_id = response.json()["id"]
    exams_tasks.verify_identity.apply(args=(check_id,)).get()
    status = carol_client.get(f"/vision/identity/{check_id}/").json()
    assert status["done"] and not status["passed"]
    assert status["problem_code"] == "not_live"
    assert identity.identity_passed(personas.carol) is None
    # dave cannot read carol's check
    from tests.conftest import candidate_client

    assert (
        candidate_client(personas, "dave").get(f"/vision/identity/{check_id}/").status_code == 404
    )


def test_a_burst_with_a_corrupt_frame_is_refused_and_nothing_is_stored(
    personas: Personas, carol_client: Client, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    carol_client.post("/vision/identity/consent/", {"choice": "automatic"})
    carol_client.get("/vision/identity/")
    frames = [SimpleUploadedFile(f"f{i}.jpg", face_bytes("obama_2.jpg")) for i in range(3)]
    frames.append(SimpleUploadedFile("bad.jpg", b""))
    response = carol_client.post("/vision/identity/", {"frame": frames})
    assert response.status_code == 400
    assert response.json()["code"] == "empty"
    assert not IdentityCheck.objects.exists()


def test_a_candidate_who_cannot_pass_is_approved_by_staff_after_a_manual_review(
    personas: Personas, carol_client: Client, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    # The reviewer needs camera frames of the candidate to compare with the registered photo.
    still = face_bytes("obama_2.jpg")
    frames = [SimpleUploadedFile(f"f{i}.jpg", still, "image/jpeg") for i in range(3)]
    assert carol_client.post("/vision/identity/review/", {"frame": frames}).status_code == 202
    check = IdentityCheck.objects.get(candidate=personas.carol)
    assert check.status == CheckStatus.IN_REVIEW
    assert "Carol" in staff_client("sam").get("/vision/staff/faces/").content.decode()
    url = f"/vision/staff/checks/{check.pk}/review/"
    assert staff_client("olga").post(url, {"decision": "approve", "note": "x"}).status_code == 404
    staff_client("sam").post(url, {"decision": "approve", "note": "compared with ID card"})
    check.refresh_from_db()
    assert check.status == CheckStatus.APPROVED and check.reviewed_by == personas.sam
    assert identity.identity_passed(personas.carol) == "manual"
    assert AuditEntry.objects.filter(action="identity_check.approved").exists()
