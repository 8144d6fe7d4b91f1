"""Self-enrolment walked in headless Chromium with a fake webcam playing the shared talking-face
clip: before the exam opens the candidate consents, takes their enrolment photo with the camera,
the vision worker (a real Celery process) enrols it, and the face check then passes against it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from exams.models import Exam, IdentityCheck
from exams.statuses import CheckStatus
from tests.browser.flows import answer_the_consent_step
from tests.personas import FORMAL_PASSCODE, Personas
from vision.models import FaceEnrolment
from vision.statuses import EnrolmentStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CLIP = "talking_face_640x360_15fps.y4m"


def test_a_candidate_enrols_with_the_camera_and_then_passes_the_face_check(
    personas: Personas, live_url: str, screenshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    clip = settings.SHARED_DATA_DIR / "video" / CLIP
    if not clip.exists():
        pytest.skip(f"shared data missing: {clip}")
    now = timezone.now()
    Exam.objects.filter(pk=personas.formal.pk).update(
        requires_identity=True,
        allows_self_enrolment=True,
        opens_at=now + dt.timedelta(minutes=10),
        closes_at=now + dt.timedelta(hours=4),
    )
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={clip}",
    ]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        context = chromium.new_context(locale="zh-CN", viewport={"width": 1024, "height": 700})
        context.grant_permissions(["camera"], origin=live_url)
        page = context.new_page()
        page.goto(f"{live_url}/exam/sign-in/")
        page.fill("#id_id_number", personas.carol.id_number)
        page.fill("#id_passcode", FORMAL_PASSCODE)
        page.click("main button[type=submit]")
        page.wait_for_url("**/exam/info/")
        page.click("main button.primary")
        page.wait_for_url("**/exam/commitment/")
        page.click("button[value=accept]")
        answer_the_consent_step(page)
        page.goto(f"{live_url}/exam/identity/")
        page.click("#self-enrolment-link a")
        # The fake camera's first frames may come before the clip's face does: take the photo
        # once the clip has played a second, as a person looks into the camera first.
        page.wait_for_function("() => document.getElementById('camera').currentTime > 1")
        page.check("#id_consent")
        with page.expect_navigation():
            page.click("#take")  # one frame from the camera, sent in the form
        # The page reloads itself while the worker checks the photo.
        for _ in range(60):
            enrolment = FaceEnrolment.objects.filter(candidate=personas.carol).first()
            if enrolment is not None and enrolment.status != EnrolmentStatus.PENDING:
                break
            page.wait_for_timeout(1000)
        page.reload()
        screenshot(page, "self-enrolment")
        assert enrolment is not None
        assert (enrolment.status, enrolment.source) == (EnrolmentStatus.ENROLLED, "capture"), (
            enrolment.problem
        )
        with page.expect_navigation():
            page.click("main a.primary[href='/exam/']")  # continue to the identity check
        for _ in range(30):
            page.goto(f"{live_url}/vision/identity/")
            if page.get_attribute("#challenge", "data-challenge") == "turn_head":
                break
        page.wait_for_function("() => document.getElementById('camera').videoWidth > 0")
        page.click("#start")
        page.wait_for_selector("#result[data-state=done]", timeout=120_000)
        chromium.close()

    check = IdentityCheck.objects.get(candidate=personas.carol)
    assert check.status == CheckStatus.PASSED, (check.problem, check.detail)
