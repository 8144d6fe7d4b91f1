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
