"""A proctor acts on a candidate from the console, in headless Chromium against real processes:
a warning crosses the candidate's answer page (as text, never HTML) and the proctor sees it read;
an alert is dismissed from the queue, a screenshot and a violation are recorded from the focus
panel; ending the exam ends it on the candidate's page, which then shows the result page."""

from __future__ import annotations

import base64
import io

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone
from PIL import Image

from exams.models import Attempt
from exams.statuses import AttemptStatus
from proctoring import alerts, events
from proctoring.models import AlertKind, ProctorMessage, ProctorScreenshot
from tests.browser.flows import off_the_loop, sign_the_commitment, staff_sign_in
from tests.personas import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_proctor_warns_a_candidate_then_ends_the_exam(
    personas: Personas, live_url: str, browser, screenshot
) -> None:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 700}).new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question")
    page.wait_for_selector("#attempt-channel[data-state=live]", state="attached")

    # A small laptop's screen: the focus panel opens over the grid on the same page.
    proctor = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 768}
    ).new_page()
    staff_sign_in(proctor, live_url, "paula")
    proctor.goto(f"{live_url}/proctor/rooms/{personas.room_a.pk}/")
    proctor.wait_for_selector("#connection[data-state=live]")
    proctor.locator(".tile", has_text="Carol").locator(".tile-open").click()
    proctor.wait_for_selector("#focus:not([hidden])")
    assert "Carol" in proctor.inner_text("#focus-title")

    proctor.fill("#warn-text", "请把手机放到桌子外面 <img src=x onerror=alert(1)>")
    proctor.click("#warn-form button[type=submit]")

    line = page.locator(".proctor-messages li")
    line.wait_for(timeout=10000)
    assert "<img src=x onerror=alert(1)>" in line.inner_text()  # shown as text
    assert page.locator(".proctor-messages img").count() == 0
    assert page.locator(".bullet-lane .bullet").count() == 1  # crossing the page
    screenshot(page, "warning")

    proctor.wait_for_selector("#focus-messages .log-item[data-read='1']", timeout=10000)
    assert ProctorMessage.objects.get().read_at is not None
    screenshot(proctor, "read")

    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    # An alert from the vision workers joins the queue and the tile; the proctor dismisses it.
    alert = off_the_loop(
        lambda: alerts.raise_or_extend(
            attempt, AlertKind.DEVICE, view=1, at=timezone.now(), confidence=0.8, detail={}
        )
    )
    item = proctor.locator(f".alert-item[data-alert-id='{alert.pk}']")
    item.wait_for(timeout=10000)
    assert proctor.locator(".tile .badge.severity-3").count() == 1
    # The model's confidence is shown on the alert (issue 15 §4).
    assert "80%" in item.locator(".alert-confidence").inner_text()
    item.locator("input[name=note]").fill("是计算器")
    item.locator("button[data-decision=dismissed]").click()
    item.wait_for(state="detached", timeout=10000)
    alert.refresh_from_db()
    assert (alert.decision, alert.decision_note, alert.status) == (
        "dismissed",
        "是计算器",
        "closed",
    )

    # A thumbnail of view 1 arrives from the media process; with no live focus video, the
    # screenshot keeps the thumbnail as evidence.
    picture = io.BytesIO()
    Image.new("RGB", (160, 120), (30, 120, 60)).save(picture, "JPEG")
    layer = get_channel_layer()
    assert layer is not None
    thumbnail = {
        "type": "view.thumbnail",
        "attempt": attempt.pk,
        "view": 1,
        "jpeg": base64.b64encode(picture.getvalue()).decode(),
        "at": timezone.now().isoformat(),
    }
    off_the_loop(
        lambda: async_to_sync(layer.group_send)(events.room_group(personas.room_a.pk), thumbnail)
    )
    proctor.wait_for_selector(".tile-thumb[data-view='1'] img:not([hidden])", timeout=10000)
    proctor.fill("#screenshot-note", "桌上有手机")
    proctor.click("[data-shot-view='1']")
    proctor.locator("#focus-shots .log-item").wait_for(timeout=15000)
    assert ProctorScreenshot.objects.get().note == "桌上有手机"

    proctor.select_option("#violation-kind", "device")
    proctor.fill("#violation-note", "手机在桌上")
    proctor.click("#violation-form button[type=submit]")
    proctor.locator("#focus-violations .log-item", has_text="手机在桌上").wait_for(timeout=10000)
    screenshot(proctor, "actions")

    proctor.on("dialog", lambda dialog: dialog.accept())
    proctor.fill("#end-reason", "手机放在桌上，经警告仍未移开")
    proctor.click("#end-form button[type=submit]")

    page.wait_for_selector(".exam-ended:not([hidden])", timeout=10000)
    assert "经警告仍未移开" in page.inner_text(".exam-ended")
    screenshot(page, "ended")
    page.wait_for_url("**/result/", timeout=15000)
    proctor.wait_for_selector(".tile[data-status=terminated]", timeout=10000)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.TERMINATED
