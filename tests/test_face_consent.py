"""The consent step before any face processing (R-PROC-2): it says what, why, where and for how
long with the real retention settings, records the choice, and a refusal leads to the human
route, where staff compare camera frames with the registered photo and no automatic comparison
runs; a review without frames cannot be approved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation

from audit.models import AuditEntry
from exams import identity
from exams import tasks as exams_tasks
from exams.models import Attempt, Exam, FaceConsent, IdentityCheck, Registration
from exams.statuses import AttemptStatus, CheckStatus
from tests.personas import PASSWORD, Personas
from tests.vision.conftest import face_bytes
from vision import services, tasks

pytestmark = pytest.mark.django_db
CONSENT = "/vision/identity/consent/"
REVIEW = "/vision/identity/review/"


@pytest.fixture
def identity_exam(personas: Personas, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    Exam.objects.filter(pk=personas.formal.pk).update(requires_identity=True)


def at_identity_step(client: Client) -> None:
    client.get("/exam/")
    client.post("/exam/info/")
    assert client.post("/exam/commitment/", {"decision": "accept"})["Location"] == "/exam/identity/"


def registration(personas: Personas) -> Registration:
    return Registration.objects.get(exam=personas.formal, candidate=personas.carol)


def frames(count: int = 4) -> list[SimpleUploadedFile]:
    still = face_bytes("obama_2.jpg")
    return [SimpleUploadedFile(f"f{i}.jpg", still, "image/jpeg") for i in range(count)]


def staff() -> Client:
    client = Client()
    assert client.login(username="sam", password=PASSWORD)
    return client


@pytest.mark.usefixtures("identity_exam")
def test_the_identity_step_asks_for_consent_first_and_shows_the_real_retention(
    personas: Personas, carol_client: Client, settings
) -> None:
    settings.VISION_EVIDENCE_RETENTION_DAYS = 17
    settings.VISION_ENROLMENT_IMAGE_RETENTION_DAYS = 23
    at_identity_step(carol_client)
    assert carol_client.get("/exam/identity/")["Location"] == CONSENT
    # The face check itself is not reachable, and refuses frames, before the choice.
    assert carol_client.get("/vision/identity/")["Location"] == CONSENT
    posted = carol_client.post("/vision/identity/", {"frame": frames()})
    assert posted.status_code == 403 and posted.json()["code"] == "face_consent_required"
    assert not IdentityCheck.objects.exists()
    page = carol_client.get(CONSENT).content.decode()
    assert "17" in page and "23" in page
    assert 'value="automatic"' in page and 'value="human"' in page
    # No choice is not a choice.
    assert carol_client.post(CONSENT, {"choice": "maybe"}).status_code == 400
    assert registration(personas).face_consent == ""


@pytest.mark.usefixtures("identity_exam")
def test_agreeing_is_recorded_audited_and_opens_the_face_check(
    personas: Personas, carol_client: Client
) -> None:
    at_identity_step(carol_client)
    response = carol_client.post(CONSENT, {"choice": "automatic"})
    assert response["Location"] == "/vision/identity/"
    found = registration(personas)
    assert found.face_consent == FaceConsent.AUTOMATIC and found.face_consent_at is not None
    entry = AuditEntry.objects.get(action="face_consent.given")
    assert entry.actor == personas.carol.user
    assert carol_client.get("/vision/identity/").status_code == 200
    assert carol_client.get("/exam/identity/").status_code == 200


@pytest.mark.usefixtures("identity_exam")
def test_refusing_leads_to_the_human_route_and_no_automatic_comparison_runs(
    personas: Personas, carol_client: Client, django_capture_on_commit_callbacks
) -> None:
    enrolment = services.start_enrolment(personas.carol, face_bytes("obama_1.jpg"), "upload")
    tasks.enrol_face.apply(args=[enrolment.pk]).get()
    at_identity_step(carol_client)
    assert carol_client.post(CONSENT, {"choice": "human"})["Location"] == REVIEW
    assert registration(personas).face_consent == FaceConsent.HUMAN
    assert AuditEntry.objects.filter(action="face_consent.refused").exists()
    # The automatic check is closed to this candidate: the page sends them to the human route,
    # and frames posted to it are refused before anything is stored.
    assert carol_client.get("/vision/identity/")["Location"] == REVIEW
    assert carol_client.post("/vision/identity/", {"frame": frames()}).status_code == 403
    step = carol_client.get("/exam/identity/").content.decode()
    assert "/vision/identity/review/" in step and 'href="/vision/identity/"' not in step
    page = carol_client.get(REVIEW)
    assert page.status_code == 200 and b"send-frames" in page.content
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = carol_client.post(REVIEW, {"frame": frames(5)})
    assert response.status_code == 202, response.content
    assert callbacks == []  # nothing queued for the face comparison
    check = IdentityCheck.objects.get(candidate=personas.carol)
    assert check.status == CheckStatus.IN_REVIEW and check.method == identity.HUMAN_METHOD
    assert len(check.frames) == 5 and check.distance is None and check.threshold is None
    # Even if the comparison task were run for it, it leaves the check alone.
    exams_tasks.verify_identity.apply(args=(check.pk,)).get()
    check.refresh_from_db()
    assert check.status == CheckStatus.IN_REVIEW and check.distance is None
    waiting = carol_client.get(REVIEW).content.decode()
    assert "review-waiting" in waiting and f"/vision/identity/{check.pk}/" in waiting
    # Staff approve with the frames in front of them; the candidate moves on.
    face_page = staff().get(f"/vision/staff/faces/{personas.carol.pk}/").content.decode()
    assert f"/vision/staff/checks/{check.pk}/frames/4/" in face_page
    assert staff().get(f"/vision/staff/checks/{check.pk}/frames/0/").status_code == 200
    staff().post(
        f"/vision/staff/checks/{check.pk}/review/",
        {"decision": "approve", "note": "same person as the ID photo"},
    )
    check.refresh_from_db()
    assert check.status == CheckStatus.APPROVED
    assert carol_client.get(f"/vision/identity/{check.pk}/").json()["passed"]
    assert carol_client.get("/exam/identity/")["Location"] != "/exam/identity/"
    assert Attempt.objects.get().status not in (
        AttemptStatus.COMMITMENT_SIGNED,
        AttemptStatus.INFO_CONFIRMED,
    )


@pytest.mark.usefixtures("identity_exam")
def test_self_enrolment_is_closed_to_a_candidate_who_chose_the_human_review(
    personas: Personas,
) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(
        allows_self_enrolment=True, opens_at=timezone.now() + dt.timedelta(minutes=10)
    )
    reg = registration(personas)
    assert identity.self_enrolment_refusal(reg) is None
    identity.record_consent(reg, FaceConsent.HUMAN, actor=personas.carol.user)
    with translation.override("en"):
        refusal = identity.self_enrolment_refusal(reg)
    assert refusal is not None and "human review" in refusal


def test_a_review_without_frames_cannot_be_approved(
    personas: Personas, carol_client: Client, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    personas.carol.photo.save("id.jpg", ContentFile(face_bytes("obama_1.jpg")))
    # The old manual request: a record with nothing to compare.
    assert carol_client.post(REVIEW).status_code == 302
    check = IdentityCheck.objects.get(candidate=personas.carol)
    assert check.status == CheckStatus.IN_REVIEW and check.frames == []
    page = staff().get(f"/vision/staff/faces/{personas.carol.pk}/").content.decode()
    assert 'data-code="no-frames"' in page
    assert 'value="approve" class="button primary" disabled' in page
    assert f"/candidates/{personas.carol.pk}/photo" in page  # the registered photo is shown
    response = staff().post(
        f"/vision/staff/checks/{check.pk}/review/", {"decision": "approve", "note": "looks ok"}
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == CheckStatus.IN_REVIEW
    assert identity.identity_passed(personas.carol) is None
    with pytest.raises(identity.ReviewNeedsFrames):
        identity.review(check, approve=True, actor=personas.sam, note="x")
    # A rejection needs no frames.
    staff().post(f"/vision/staff/checks/{check.pk}/review/", {"decision": "reject", "note": "no"})
    check.refresh_from_db()
    assert check.status == CheckStatus.REJECTED


@pytest.mark.parametrize(("choice", "compared"), [("automatic", True), ("human", False)])
def test_the_live_video_compares_no_face_template_for_the_human_route(
    personas: Personas, carol_attempt: Attempt, settings, tmp_path, choice: str, compared: bool
) -> None:
    from proctoring import tasks as proctoring_tasks
    from proctoring.models import EvidenceFrame, FrameAnalysis

    settings.MEDIA_ROOT = tmp_path
    enrolment = services.start_enrolment(personas.carol, face_bytes("obama_1.jpg"), "upload")
    tasks.enrol_face.apply(args=[enrolment.pk]).get()
    identity.record_consent(registration(personas), choice, actor=personas.carol.user)
    item = EvidenceFrame(attempt=carol_attempt, view=1, captured_at=timezone.now())
    item.image.save("f.jpg", ContentFile(face_bytes("obama_2.jpg")), save=True)
    proctoring_tasks.analyze_frame.apply(args=[item.pk]).get()
    result = FrameAnalysis.objects.get(frame=item).result
    assert bool(result.get("identity")) is compared, result


@pytest.mark.usefixtures("identity_exam")
def test_the_review_page_moves_on_once_staff_approved_instead_of_offering_the_review_again(
    personas: Personas, carol_client: Client
) -> None:
    at_identity_step(carol_client)
    carol_client.post(CONSENT, {"choice": "human"})
    assert carol_client.post(REVIEW, {"frame": frames(3)}).status_code == 202
    check = IdentityCheck.objects.get(candidate=personas.carol)
    staff().post(
        f"/vision/staff/checks/{check.pk}/review/",
        {"decision": "approve", "note": "same person as the ID photo"},
    )
    check.refresh_from_db()
    assert check.status == CheckStatus.APPROVED
    # A reload of the waiting page (or coming back to it) goes on through the identity step.
    again = carol_client.get(REVIEW)
    assert again.status_code == 302 and again["Location"] == "/exam/identity/"
    assert carol_client.get("/exam/identity/")["Location"] != "/exam/identity/"
