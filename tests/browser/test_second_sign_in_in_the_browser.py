"""A second sign-in, in headless Chromium with the fake camera against the real processes:
while carol answers in one browser, someone signs in with her ID number and passcode in
another. The second sign-in is refused with a clear message, the proctor's console shows the
alert, and carol's page goes on saving answers, signed in, with nothing recorded against her."""

from __future__ import annotations

import pytest

from exams.models import Answer, Attempt, AttemptEvent
from exams.statuses import AttemptStatus
from proctoring.models import Alert, AlertKind
from tests.browser.flows import sign_the_commitment, staff_sign_in, wait_for
from tests.personas import FORMAL_PASSCODE, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_second_sign_in_while_the_candidate_answers_is_refused_and_alerts_the_proctor(
    personas: Personas, live_url: str, media_browser, screenshot
) -> None:
    proctor = media_browser.new_context(
        locale="en-GB", viewport={"width": 1280, "height": 800}
    ).new_page()
    staff_sign_in(proctor, live_url, "paula")
    proctor.click(f"a[href='/proctor/rooms/{personas.room_a.pk}/']")
    proctor.wait_for_selector("#connection[data-state=live]")

    first = media_browser.new_context(
        locale="en-GB", viewport={"width": 1024, "height": 700}
    ).new_page()
    sign_the_commitment(first, live_url, personas.carol.id_number)
    first.wait_for_selector("fieldset.question")
    questions = first.locator("fieldset.question")
    questions.nth(0).locator("input[value=B]").check()
    first.wait_for_selector("#save-status[data-state=saved]")
    attempt = Attempt.objects.get(registration__candidate=personas.carol)

    # Someone else, with carol's ID number and passcode, on another device.
    second = media_browser.new_context(
        locale="en-GB", viewport={"width": 1024, "height": 700}
    ).new_page()
    second.goto(f"{live_url}/exam/sign-in/")
    second.fill("#id_id_number", personas.carol.id_number)
    second.fill("#id_passcode", FORMAL_PASSCODE)
    second.click("main button[type=submit]")
    refusal = second.locator("main .error-box").inner_text()
    assert "already open on another device" in refusal or "已在另一台设备上打开" in refusal
    assert "/exam/sign-in/" in second.url
    screenshot(second, "refused")
    # Not signed in: the exam's pages send the second browser back to a sign-in.
    second.goto(f"{live_url}/exam/answer/")
    assert "/sign-in/" in second.url
    assert not second.locator("fieldset.question").count()

    # The proctor sees the alert on the console, live.
    alert = Alert.objects.get(attempt=attempt, kind=AlertKind.SECOND_SIGN_IN)
    item = proctor.locator(f".alert-item[data-alert-id='{alert.pk}']")
    item.wait_for(timeout=15000)
    assert "Carol" in item.inner_text()
    screenshot(proctor, "alert")

    # Carol's page is unharmed: it keeps saving, signed in, with no event against her.
    questions.nth(1).locator("input[value=A]").check()
    first.wait_for_selector("#save-status[data-state=saved]")
    wait_for(lambda: Answer.objects.filter(attempt=attempt).count() == 2)
    questions.nth(2).locator("input[value=C]").check()
    first.wait_for_selector("#save-status[data-state=saved]")
    wait_for(lambda: Answer.objects.filter(attempt=attempt).count() == 3)
    attempt.refresh_from_db()
    events = list(AttemptEvent.objects.filter(attempt=attempt).values_list("kind", flat=True))
    assert events == [] and attempt.warnings == 0
    assert attempt.status == AttemptStatus.ANSWERING
    screenshot(first, "still-answering")
