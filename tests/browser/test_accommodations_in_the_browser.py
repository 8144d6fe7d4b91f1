"""Accommodations in headless Chromium against the real processes: a site administrator goes from
the exam's passcode page to its accommodations, is refused extra time that would not fit the
exam window, records 20 extra minutes for a screen reader's user; the candidate's deadline then
has them, and the proctor's console tile shows the accommodation."""

from __future__ import annotations

import datetime as dt

import pytest

from exams.models import Accommodation, Attempt
from tests.browser.flows import sign_the_commitment, staff_sign_in
from tests.personas import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_record_an_accommodation_that_the_deadline_and_the_console_show(
    personas: Personas, live_url: str, browser, screenshot
) -> None:
    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}).new_page()
    staff_sign_in(staff, live_url, "sam")
    staff.goto(f"{live_url}/support/passcodes/{personas.formal.pk}/")
    staff.click("#exam-accommodations-link")
    staff.wait_for_selector("#accommodations")
    staff.locator("#accommodations tr", has_text="Carol").locator("a").click()
    staff.wait_for_selector("#id_extra_minutes")

    # 200 minutes do not fit a 4-hour window for a 90-minute exam: refused, nothing written.
    staff.fill("#id_extra_minutes", "200")
    staff.check("#id_screen_reader")
    staff.fill("#id_reason", "读屏软件")
    staff.click("main button[type=submit]")
    error = staff.locator(".error-box")
    error.wait_for()
    assert "150" in error.inner_text()  # how many minutes would fit
    assert not Accommodation.objects.exists()
    screenshot(staff, "refused")

    staff.fill("#id_extra_minutes", "20")
    staff.click("main button[type=submit]")
    staff.wait_for_selector("#accommodations .accommodation")
    assert "+20" in staff.locator("#accommodations tr", has_text="Carol").inner_text()
    screenshot(staff, "recorded")

    proctor = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 768}
    ).new_page()
    staff_sign_in(proctor, live_url, "paula")
    proctor.goto(f"{live_url}/proctor/rooms/{personas.room_a.pk}/")
    proctor.wait_for_selector("#connection[data-state=live]")

    candidate = browser.new_context(locale="zh-CN").new_page()
    sign_the_commitment(candidate, live_url, personas.carol.id_number)
    candidate.wait_for_selector("fieldset.question")
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    assert attempt.deadline is not None and attempt.started_at is not None
    assert attempt.deadline - attempt.started_at == dt.timedelta(minutes=110)

    badge = proctor.locator(".tile", has_text="Carol").locator(".accommodation-badge")
    badge.wait_for(timeout=15000)
    assert "+20 分钟" in badge.inner_text()  # translated, the number put in
    screenshot(proctor, "tile")
