"""Make-up requests (R-EMG-5): a candidate whose attempt ended abnormally sends a screenshot and
an explanation; staff of their site grant one more attempt or refuse with a reason, and the
candidate sees the decision and starts the make-up attempt from the result page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from audit.models import AuditEntry
from exams import services
from exams.models import Attempt, Registration
from support.models import MakeupRequest
from tests.conftest import candidate_client
from tests.personas import Personas

EXPLANATION = "考试中途网络断开，重新登录后显示已交卷，成绩为0。"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def png(name: str = "screen.png", size: tuple[int, int] = (320, 200)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def ended(carol_attempt: Attempt) -> Attempt:
    """Carol's attempt, consumed when she left the page (S3's rule), with no score."""
    services.submit(carol_attempt, reason="left_page")
    services.grade(carol_attempt.pk)
    carol_attempt.refresh_from_db()
    return carol_attempt


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def file_request(client: Client, attempt: Attempt, **fields):
    data = {"explanation": EXPLANATION, "screenshot": png(), **fields}
    return client.post(f"/support/makeup/new/{attempt.pk}/", data)


def test_a_candidate_files_a_request_with_a_screenshot_and_staff_grant_a_make_up_attempt(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    attempt = ended(carol_attempt)
    result = carol_client.get(f"/exam/attempts/{attempt.pk}/result/").content.decode()
    assert f"/support/makeup/new/{attempt.pk}/" in result
    assert "/exam/retake/" not in result  # the one attempt is used

    response = file_request(carol_client, attempt)
    assert response.status_code == 302
    makeup = MakeupRequest.objects.get()
    assert makeup.status == "pending" and makeup.screenshot.name.endswith(".png")
    assert "Carol" not in makeup.screenshot.name

    sam = staff_client(personas.sam)
    assert EXPLANATION in sam.get("/support/makeup/").content.decode()
    assert sam.get(f"/support/makeup/{makeup.pk}/screenshot/").status_code == 200
    response = sam.post(
        f"/support/makeup/{makeup.pk}/", {"decision": "grant", "reason": "服务器日志证实断网"}
    )
    assert response.status_code == 302
    makeup.refresh_from_db()
    registration = Registration.objects.get(pk=attempt.registration_id)
    assert makeup.status == "granted" and makeup.decided_by == personas.sam
    assert registration.extra_attempts == 1
    assert AuditEntry.objects.get(action="registration.makeup_granted").data["reason"] == (
        "服务器日志证实断网"
    )
    assert AuditEntry.objects.filter(action="support.makeup.granted").count() == 1

    result = carol_client.get(f"/exam/attempts/{attempt.pk}/result/").content.decode()
    assert "服务器日志证实断网" in result and "/exam/retake/" in result
    response = carol_client.post("/exam/retake/")
    assert response.status_code == 302
    assert registration.attempts.count() == 2


def test_staff_refuse_with_a_reason_the_candidate_reads(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    attempt = ended(carol_attempt)
    file_request(carol_client, attempt)
    makeup = MakeupRequest.objects.get()
    response = staff_client(personas.oscar).post(
        f"/support/makeup/{makeup.pk}/", {"decision": "refuse", "reason": "主动切出考试界面"}
    )
    assert response.status_code == 302
    makeup.refresh_from_db()
    assert makeup.status == "refused"
    assert Registration.objects.get(pk=attempt.registration_id).extra_attempts == 0
    assert (
        "主动切出考试界面"
        in carol_client.get(f"/exam/attempts/{attempt.pk}/result/").content.decode()
    )


def test_a_decision_needs_a_reason_and_is_taken_once(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    attempt = ended(carol_attempt)
    file_request(carol_client, attempt)
    makeup = MakeupRequest.objects.get()
    sam = staff_client(personas.sam)
    assert sam.post(f"/support/makeup/{makeup.pk}/", {"decision": "grant"}).status_code == 400
    sam.post(f"/support/makeup/{makeup.pk}/", {"decision": "grant", "reason": "ok"})
    sam.post(f"/support/makeup/{makeup.pk}/", {"decision": "grant", "reason": "again"})
    assert Registration.objects.get(pk=attempt.registration_id).extra_attempts == 1


@pytest.mark.parametrize(
    "upload, message",
    [
        (
            SimpleUploadedFile("screen.png", b"not an image at all", "image/png"),
            "PNG, JPEG or WebP",
        ),
        (
            SimpleUploadedFile("screen.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png"),
            "readable",
        ),
        (SimpleUploadedFile("screen.png", b"", "image/png"), "empty"),
    ],
)
def test_a_screenshot_that_is_not_an_image_is_refused_and_nothing_is_stored(
    personas: Personas, carol_client: Client, carol_attempt: Attempt, upload, message: str
) -> None:
    attempt = ended(carol_attempt)
    carol_client.cookies["django_language"] = "en"
    response = file_request(carol_client, attempt, screenshot=upload)
    assert response.status_code == 400
    assert message in response.content.decode() or "empty" in response.content.decode()
    assert not MakeupRequest.objects.exists()


def test_an_oversized_screenshot_is_refused(
    personas: Personas, carol_client: Client, carol_attempt: Attempt, settings
) -> None:
    settings.SUPPORT_SCREENSHOT_MAX_BYTES = 1000
    attempt = ended(carol_attempt)
    response = file_request(carol_client, attempt, screenshot=png(size=(800, 800)))
    assert response.status_code == 400
    assert not MakeupRequest.objects.exists()


def test_another_candidates_attempt_and_request_are_not_found(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    attempt = ended(carol_attempt)
    file_request(carol_client, attempt)
    makeup = MakeupRequest.objects.get()
    dave = candidate_client(personas, "dave")
    assert dave.get(f"/support/makeup/new/{attempt.pk}/").status_code == 404
    assert file_request(dave, attempt).status_code == 404
    assert dave.get(f"/support/makeup/{makeup.pk}/screenshot/").status_code == 404
    assert dave.get(f"/support/makeup/{makeup.pk}/").status_code == 403
    olga = staff_client(personas.olga)
    assert olga.get(f"/support/makeup/{makeup.pk}/").status_code == 404
    assert olga.get(f"/support/makeup/{makeup.pk}/screenshot/").status_code == 404
    assert (
        olga.post(f"/support/makeup/{makeup.pk}/", {"decision": "grant", "reason": "x"}).status_code
        == 404
    )
    assert MakeupRequest.objects.get().status == "pending"


def test_no_request_while_answering_or_while_one_is_being_reviewed(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    assert file_request(carol_client, carol_attempt).status_code == 400  # the page says why not
    assert not MakeupRequest.objects.exists()
    attempt = ended(carol_attempt)
    file_request(carol_client, attempt)
    file_request(carol_client, attempt)
    assert MakeupRequest.objects.count() == 1
