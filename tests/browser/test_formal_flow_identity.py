"""The formal flow with its identity step, in headless Chromium with the shared talking-face clip
as the fake camera: the candidate enrolled with that person's photo passes and reaches the paper;
a candidate enrolled with another person's photo is refused at the identity step and never
reaches the paper (R-EXAM-4, R-PROC-2)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from exams.models import Attempt, Exam
from exams.statuses import AttemptStatus
from tests.browser.flows import answer_the_consent_step
from tests.personas import FORMAL_PASSCODE, Personas
from tests.vision.conftest import face_bytes
from vision import services, tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CLIP = "talking_face_640x360_15fps.y4m"


def enrol(candidate: Any, photo: str) -> None:
    enrolment = services.start_enrolment(candidate, face_bytes(photo), "upload")
    tasks.enrol_face.apply(args=[enrolment.pk]).get()


def walk_to_the_face_check(page: Any, live_url: str, id_number: str) -> None:
    page.goto(f"{live_url}/exam/sign-in/")
    page.fill("#id_id_number", id_number)
    page.fill("#id_passcode", FORMAL_PASSCODE)
    page.click("main button[type=submit]")
    page.wait_for_url("**/exam/info/")
    page.click("main button.primary")
    page.wait_for_url("**/exam/commitment/")
    page.click("button[value=accept]")
    answer_the_consent_step(page)
    # The clip turns its head but does not blink: take the check when it asks for a head turn.
    for _ in range(30):
        page.goto(f"{live_url}/vision/identity/")
        if page.get_attribute("#challenge", "data-challenge") == "turn_head":
            break
    page.wait_for_function("() => document.getElementById('camera').videoWidth > 0")
    page.click("#start")
    page.wait_for_selector("#result[data-state=done]", timeout=120_000)


def test_the_enrolled_person_passes_and_another_does_not(
    personas: Personas, live_url: str, screenshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    clip = settings.SHARED_DATA_DIR / "video" / CLIP
    assert clip.exists(), f"shared data missing: {clip}"
    Exam.objects.filter(pk=personas.formal.pk).update(requires_identity=True)
    enrol(personas.carol, "lin_manuel_miranda_1.jpg")  # the person in the clip
    enrol(personas.dave, "obama_1.jpg")  # someone else

    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={clip}",
    ]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        for who in ("carol", "dave"):
            context = chromium.new_context(locale="zh-CN", viewport={"width": 1024, "height": 700})
            context.grant_permissions(["camera"], origin=live_url)
            page = context.new_page()
            walk_to_the_face_check(page, live_url, getattr(personas, who).id_number)
            screenshot(page, f"{who}-face-check")
            if who == "carol":
                page.click("#continue a")
                page.wait_for_selector("fieldset.question")  # straight on to the paper
                screenshot(page, "carol-paper")
            else:
                assert page.locator("#continue").is_hidden()
                page.goto(f"{live_url}/exam/answer/")
                assert page.url.endswith("/exam/identity/")  # the paper stays out of reach
            context.close()
        chromium.close()

    carol = Attempt.objects.get(registration__candidate=personas.carol)
    assert carol.status == AttemptStatus.ANSWERING and carol.identity_method == "face"
    dave = Attempt.objects.get(registration__candidate=personas.dave)
    assert dave.status == AttemptStatus.COMMITMENT_SIGNED
