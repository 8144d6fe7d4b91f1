"""The proctor console speaks the proctor's language: an alert published by a process that
speaks Chinese (the platform's default) shows its kind in English on an English console, and
its count says "1 time", "2 times"; the tile of an attempt that ended says nothing of live
views."""

from __future__ import annotations

import pytest
from django.utils import timezone

from exams.models import Attempt
from proctoring import actions, alerts
from proctoring.models import Alert, AlertKind
from tests.browser.flows import off_the_loop, sign_the_commitment, staff_sign_in
from tests.personas import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_alert_reads_in_the_proctors_language_with_its_count(
    personas: Personas, live_url: str, browser, screenshot
) -> None:
    candidate = browser.new_context(locale="zh-CN").new_page()
    sign_the_commitment(candidate, live_url, personas.carol.id_number)
    candidate.wait_for_selector("fieldset.question")
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    proctor = browser.new_context(
        locale="en-US", viewport={"width": 1366, "height": 768}
    ).new_page()
    errors: list[str] = []
    proctor.on("pageerror", lambda error: errors.append(str(error)))
    staff_sign_in(proctor, live_url, "paula")
    proctor.goto(f"{live_url}/proctor/rooms/{personas.room_a.pk}/")
    proctor.wait_for_selector("#connection[data-state=live]")

    def raise_device() -> Alert:
        return alerts.raise_or_extend(
            attempt, AlertKind.DEVICE, view=1, at=timezone.now(), confidence=0.8, detail={}
        )

    alert = off_the_loop(raise_device)
    item = proctor.locator(f".alert-item[data-alert-id='{alert.pk}']")
    item.wait_for(timeout=10000)
    assert errors == []
    assert item.locator(".alert-head strong").inner_text() == "Electronic device"
    proctor.wait_for_function(
        f"() => document.querySelector(\".alert-item[data-alert-id='{alert.pk}']\")"
        ".textContent.includes('1 time ·')"
    )
    off_the_loop(raise_device)
    proctor.wait_for_function(
        f"() => document.querySelector(\".alert-item[data-alert-id='{alert.pk}']\")"
        ".textContent.includes('2 times')"
    )
    screenshot(proctor, "alert")

    # The proctor ends the exam: the tile no longer speaks of live views.
    tile = proctor.locator(f".tile[data-attempt-id='{attempt.pk}']")
    assert tile.locator(".tile-views").is_hidden() is False
    off_the_loop(lambda: actions.end_exam(attempt, "cheating", actor=personas.paula))
    proctor.wait_for_selector(f".tile[data-attempt-id='{attempt.pk}'][data-status=terminated]")
    assert tile.locator(".tile-views").is_hidden()
