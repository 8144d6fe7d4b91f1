"""View 1 from a real browser: Chromium's fake camera (the shared talking-face clip) streams from
the answer page to the media process over WebRTC on loopback only; the server samples frames into
the vision workers; the proctor's tile shows the view. Killing the media process mid-exam leaves
answering untouched, the proctor is told the view is lost, and the page reconnects by itself when
the process is back (issue 5, "Done means"). Runs inside bin/in-loopback-netns (make test)."""

from __future__ import annotations

import time

import pytest

from exams.models import Answer, Attempt
from tests.personas import FORMAL_PASSCODE, PASSWORD, Personas
from vision.models import EvidenceFrame

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.25)


def test_view_one_streams_survives_a_media_crash_and_comes_back(
    personas: Personas, live_platform, media_browser, screenshot
) -> None:
    live_url = live_platform.url
    proctor = media_browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 800}
    ).new_page()
    proctor.goto(f"{live_url}/accounts/sign-in/")
    proctor.fill("#id_username", "paula")
    proctor.fill("#id_password", PASSWORD)
    proctor.click("button[type=submit]")
    proctor.goto(f"{live_url}/proctor/rooms/{personas.room_a.pk}/")
    proctor.wait_for_selector("#connection[data-state=live]")

    page = media_browser.new_context(
        locale="zh-CN", viewport={"width": 1024, "height": 700}
    ).new_page()
    page.goto(f"{live_url}/exam/sign-in/")
    page.fill("#id_id_number", personas.carol.id_number)
    page.fill("#id_passcode", FORMAL_PASSCODE)
    page.click("button[type=submit]")
    page.wait_for_url("**/exam/info/")
    page.click("main button.primary")
    page.wait_for_url("**/exam/commitment/")
    page.click("button[value=accept]")
    page.wait_for_selector("fieldset.question")

    # The camera reaches the media process, and the proctor's tile says so.
    page.wait_for_selector("#view1-status[data-state=connected]", timeout=20000)
    tile = proctor.locator(".tile", has_text="Carol")
    tile.wait_for()
    proctor.wait_for_selector(".tile[data-view1=connected]", timeout=10000)
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    wait_for(lambda: EvidenceFrame.objects.filter(attempt=attempt, view=1).exists())
    screenshot(page, "streaming")

    # The media process crashes: the page notices, the proctor is told, answering goes on.
    live_platform.kill_media()
    page.wait_for_selector("#view1-status[data-state=lost]", timeout=15000)
    proctor.wait_for_selector(".tile[data-view1=lost]", timeout=15000)
    page.locator("fieldset.question").nth(0).locator("input[value=B]").check()
    page.wait_for_selector("#save-status[data-state=saved]", timeout=10000)
    assert Answer.objects.filter(attempt=attempt, response="B").exists()
    screenshot(proctor, "view-lost")

    # It comes back on the same address: the page reconnects without a reload.
    live_platform.start_media()
    page.wait_for_selector("#view1-status[data-state=connected]", timeout=40000)
    proctor.wait_for_selector(".tile[data-view1=connected]", timeout=15000)
    before = EvidenceFrame.objects.filter(attempt=attempt, view=1).count()
    wait_for(lambda: EvidenceFrame.objects.filter(attempt=attempt, view=1).count() > before)
