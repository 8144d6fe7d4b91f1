"""The face check walked in headless Chromium with a fake webcam playing the shared talking-face
clip: the page captures a burst, the vision worker (a real Celery process) decides, and the
candidate sees that the identity is confirmed."""

from __future__ import annotations

import pytest
from django.conf import settings

from exams.models import IdentityCheck
from exams.statuses import CheckStatus
from tests.personas import FORMAL_PASSCODE, Personas
from tests.vision.conftest import face_bytes
from vision import services, tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CLIP = "talking_face_640x360_15fps.y4m"


def test_a_candidate_passes_the_face_check_with_a_live_camera(
    personas: Personas, live_url: str, screenshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    # This test needs a camera, so it starts its own Chromium with a fake one (the shared
    # `browser` fixture has none); Playwright's loop needs the async-safety check lifted.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    clip = settings.SHARED_DATA_DIR / "video" / CLIP
    if not clip.exists():
        pytest.skip(f"shared data missing: {clip}")
    enrolment = services.start_enrolment(
        personas.carol, face_bytes("lin_manuel_miranda_1.jpg"), "upload"
    )
    tasks.enrol_face.apply(args=[enrolment.pk]).get()

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
        page.wait_for_load_state()
        page.goto(f"{live_url}/vision/identity/consent/")
        page.click("#consent-automatic")
        page.wait_for_url("**/vision/identity/")
        # The clip shows a head turn, not a blink: load the page until it asks for that (the
        # challenge is drawn at random for each visit).
        for _ in range(30):
            page.goto(f"{live_url}/vision/identity/")
            if page.get_attribute("#challenge", "data-challenge") == "turn_head":
                break
        assert page.get_attribute("#challenge", "data-challenge") == "turn_head"
        page.wait_for_function("() => document.getElementById('camera').videoWidth > 0")
        page.click("#start")
        page.wait_for_selector("#result[data-state=done]", timeout=120_000)
        screenshot(page, "identity-check")
        text = page.locator("#result").text_content() or ""
        continue_visible = page.locator("#continue a").is_visible()
        chromium.close()

    check = IdentityCheck.objects.get(candidate=personas.carol)
    assert check.status == CheckStatus.PASSED, (check.problem, check.detail)
    assert check.frames_count == 12 and check.live
    assert "Identity confirmed" in text or "身份" in text
    assert continue_visible


def test_a_candidate_who_refuses_face_processing_is_checked_by_staff_from_camera_frames(
    personas: Personas, live_url: str, screenshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Consent refused: the candidate sends camera frames on the human route and waits; no
    face comparison runs; staff see the registered photo beside the frames and approve; the
    waiting page moves on by itself."""
    from django.core.files.base import ContentFile
    from playwright.sync_api import sync_playwright

    from exams.models import Attempt, Exam, FaceConsent, Registration
    from exams.statuses import AttemptStatus
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.browser.flows import answer_the_consent_step, sign_the_commitment, staff_sign_in

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    clip = settings.SHARED_DATA_DIR / "video" / CLIP
    if not clip.exists():
        pytest.skip(f"shared data missing: {clip}")
    Exam.objects.filter(pk=personas.formal.pk).update(requires_identity=True)
    personas.carol.photo.save("id.jpg", ContentFile(face_bytes("lin_manuel_miranda_1.jpg")))
    # Enrolled too: refusing must keep the automatic comparison from running all the same.
    enrolment = services.start_enrolment(
        personas.carol, face_bytes("lin_manuel_miranda_1.jpg"), "upload"
    )
    tasks.enrol_face.apply(args=[enrolment.pk]).get()

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
        sign_the_commitment(page, live_url, personas.carol.id_number)
        page.wait_for_url("**/vision/identity/consent/")
        screenshot(page, "face-consent")
        answer_the_consent_step(page, agree=False)
        page.wait_for_function("() => document.getElementById('camera').videoWidth > 0")
        with page.expect_navigation():
            page.click("#send-frames")
        page.wait_for_selector("#review-waiting")
        screenshot(page, "human-review-waiting")

        check = IdentityCheck.objects.get(candidate=personas.carol)
        assert check.status == CheckStatus.IN_REVIEW and check.method == "human_review"
        assert check.frames and check.distance is None and check.threshold is None

        staff_context = chromium.new_context(viewport={"width": 1280, "height": 900})
        staff = staff_context.new_page()
        staff_sign_in(staff, live_url, "sam")
        staff.goto(f"{live_url}/vision/staff/faces/{personas.carol.pk}/")
        compare = staff.locator(f"#review-compare-{check.pk}")
        compare.locator(".review-photo img").wait_for()
        frames = compare.locator("img.review-frame")
        assert frames.count() == len(check.frames)
        staff.wait_for_function(
            "() => [...document.querySelectorAll('img.review-frame')]"
            ".every((img) => img.complete && img.naturalWidth > 0)"
        )
        screenshot(staff, "human-review-staff")
        staff.fill("#id_note", "Same person as the registered photo")
        with staff.expect_navigation():
            staff.click("main button[value=approve]")

        # The candidate's waiting page notices the approval and goes on by itself.
        page.wait_for_url(lambda url: "/vision/identity/review/" not in url, timeout=30_000)
        final_url = page.url
        chromium.close()

    check.refresh_from_db()
    assert check.status == CheckStatus.APPROVED and check.reviewed_by == personas.sam
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    assert registration.face_consent == FaceConsent.HUMAN
    assert "/exam/" in final_url
    assert Attempt.objects.get(registration=registration).status not in (
        AttemptStatus.INFO_CONFIRMED,
        AttemptStatus.COMMITMENT_SIGNED,
    )
