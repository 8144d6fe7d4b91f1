"""The device check a candidate opens from the exam's information step: the browser is named in
words (never the raw user-agent string) and a link leads back to the exam's current step."""

from __future__ import annotations

import pytest

from tests.personas import FORMAL_PASSCODE, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_check_names_the_browser_and_leads_back_to_the_exam(
    personas: Personas, live_url: str, browser, screenshot
) -> None:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 800}).new_page()
    page.goto(f"{live_url}/exam/sign-in/")
    page.fill("#id_id_number", personas.carol.id_number)
    page.fill("#id_passcode", FORMAL_PASSCODE)
    page.click("main button[type=submit]")
    page.wait_for_url("**/exam/info/")
    page.click("a[href='/support/device-check/']")
    page.wait_for_url("**/support/device-check/")
    page.click("#device-start")
    page.wait_for_function(
        "() => document.querySelector('[data-item=browser] [data-verdict]')"
        ".textContent.trim() !== '…'"
    )
    verdict = page.inner_text("[data-item=browser] [data-verdict]")
    assert "Chrome" in verdict and "Linux" in verdict, verdict
    assert "Mozilla/" not in verdict and "AppleWebKit" not in verdict, verdict
    screenshot(page, "check")
    page.click("#device-back")
    page.wait_for_url("**/exam/info/")


def test_someone_not_signed_in_goes_back_to_the_sign_in(live_url: str, browser) -> None:
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{live_url}/support/device-check/")
    page.click("#device-back")
    page.wait_for_url("**/exam/sign-in/")
