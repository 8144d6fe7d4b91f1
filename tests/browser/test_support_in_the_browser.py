"""Support in headless Chromium against real processes: a candidate writes to support from the
exam pages' widget, the site administrator sees it in the queue and answers, the candidate reads
the answer; a candidate's device check measures camera, microphone and upload and is stored."""

from __future__ import annotations

import pytest

from support.models import DeviceCheck, Message
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.flows import staff_sign_in
from tests.personas import FORMAL_PASSCODE, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_candidate(browser, live_url: str, personas: Personas):
    page = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 700}).new_page()
    page.goto(f"{live_url}/exam/sign-in/")
    page.fill("#id_id_number", personas.carol.id_number)
    page.fill("#id_passcode", FORMAL_PASSCODE)
    page.click("main button[type=submit]")
    page.wait_for_url("**/exam/info/")
    return page


def test_a_candidate_chats_with_support_from_the_exam_pages(
    personas: Personas, live_url: str, browser, screenshot
) -> None:
    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}).new_page()
    staff_sign_in(staff, live_url, "sam")
    staff.goto(f"{live_url}/support/")
    staff.wait_for_selector("#queue-state[data-state=live]")

    page = sign_in_candidate(browser, live_url, personas)
    page.click("#support-widget summary")
    page.wait_for_selector("[data-chat-state][data-state=live]")
    page.fill("#chat-input-candidate", "摄像头没有画面 <b>怎么办</b>")
    page.click("[data-chat-form] button")
    page.wait_for_selector(".chat-message.mine")
    assert "<b>怎么办</b>" in page.inner_text(".chat-message.mine p")  # shown as text

    row = staff.locator("#queue-list .queue-item.unread", has_text="Carol")
    row.wait_for(timeout=10000)
    screenshot(staff, "queue")
    row.locator("a").click()
    staff.wait_for_selector("[data-chat-state][data-state=live]")
    staff.locator(".chat-message", has_text="怎么办").wait_for()
    staff.fill("#chat-input-staff", "请在浏览器地址栏左侧允许使用摄像头。")
    staff.click("[data-chat-form] button")

    page.wait_for_selector(".chat-message:not(.mine)", timeout=10000)
    assert "允许使用摄像头" in page.inner_text(".chat-message:not(.mine)")
    screenshot(page, "candidate-chat")
    assert Message.objects.filter(from_staff=True, author=personas.sam).count() == 1


@pytest.fixture
def browser_with_fake_media(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
            ],
        )
        yield chromium
        chromium.close()


def test_a_candidates_device_check_measures_and_is_kept_for_support(
    personas: Personas, live_url: str, browser_with_fake_media, screenshot
) -> None:
    page = sign_in_candidate(browser_with_fake_media, live_url, personas)
    page.click("a[href='/support/device-check/']")
    page.wait_for_selector("#device-check[data-candidate='1']")
    page.click("#device-start")
    page.wait_for_selector("#device-overall[data-passed]", timeout=30000)
    screenshot(page, "device-check")
    assert page.get_attribute("[data-item=camera]", "data-ok") == "1"
    assert page.get_attribute("[data-item=microphone]", "data-ok") == "1"
    assert page.get_attribute("[data-item=upload]", "data-ok") == "1"  # loopback is fast
    check = DeviceCheck.objects.get(candidate=personas.carol)
    assert check.camera == "ok" and check.microphone == "ok"
    assert check.upload_mb_per_s is not None and check.upload_mb_per_s >= 2
    assert check.browser.startswith("Chrome")
