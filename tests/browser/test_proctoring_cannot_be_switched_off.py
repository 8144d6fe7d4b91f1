"""Proctoring the candidate cannot switch off (issue 13, section 3), in a real browser with
Chromium's fake camera and the media process on loopback (bin/in-loopback-netns):

- the camera turned off mid-exam pauses answering past the exam's grace, with a banner that
  says what to do; the proctor is alerted; an answer typed before the pause stays queued and is
  saved once the camera is back, and answering resumes by itself;
- a fullscreen exit and a tab switch reach the proctor's console; under the consume policy a
  short leave ends nothing, and a leave past the exam's grace ends the attempt."""

from __future__ import annotations

import time

import pytest

from exams.models import Answer, Attempt, AttemptEvent, Exam
from exams.statuses import AttemptStatus
from proctoring.models import Alert, AlertKind
from tests.browser.flows import sign_the_commitment, staff_sign_in, wait_for
from tests.personas import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The camera as the candidate's hand controls it: `__cameraOff` makes the browser refuse the
# camera (as an unplugged or switched-off one is refused), and the streams the page opened are
# kept so that the test can stop their video track, as turning the camera off does.
CAMERA_SWITCH = """
(() => {
  const devices = navigator.mediaDevices;
  if (!devices) return;
  const open = devices.getUserMedia.bind(devices);
  window.__streams = [];
  window.__cameraOff = false;
  devices.getUserMedia = async (constraints) => {
    if (window.__cameraOff) throw new DOMException("camera off", "NotReadableError");
    const stream = await open(constraints);
    window.__streams.push(stream);
    return stream;
  };
})();
"""
CAMERA_OFF = """() => {
  window.__cameraOff = true;
  for (const stream of window.__streams) stream.getVideoTracks().forEach((t) => t.stop());
}"""

# Headless Chromium never hides a tab by itself: the switch to another tab is what the browser
# tells the page then (the document hidden, then visible again).
TAB_AWAY = """() => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
  document.dispatchEvent(new Event("visibilitychange"));
}"""
TAB_BACK = """() => {
  delete document.hidden;
  delete document.visibilityState;
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def open_console(media_browser, live_url: str, personas: Personas):
    proctor = media_browser.new_context(
        locale="en", viewport={"width": 1280, "height": 800}
    ).new_page()
    staff_sign_in(proctor, live_url, "paula")
    proctor.goto(f"{live_url}/proctor/rooms/{personas.room_a.pk}/")
    proctor.wait_for_selector("#connection[data-state=live]")
    return proctor


def open_paper(media_browser, live_url: str, personas: Personas):
    context = media_browser.new_context(locale="en", viewport={"width": 1024, "height": 700})
    context.add_init_script(CAMERA_SWITCH)
    page = context.new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question")
    page.wait_for_selector("#view1-status[data-state=connected]", timeout=20000)
    return page


def test_the_camera_turned_off_pauses_answering_alerts_the_proctor_and_comes_back(
    personas: Personas, live_platform, media_browser, screenshot
) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(view_loss_grace_seconds=3)
    live_url = live_platform.url
    proctor = open_console(media_browser, live_url, personas)
    page = open_paper(media_browser, live_url, personas)
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    questions = page.locator("fieldset.question")
    questions.nth(0).locator("input[value=B]").check()
    page.wait_for_selector("#save-status[data-state=saved]", timeout=10000)

    # An answer typed while its save cannot get through stays queued in the page.
    page.route("**/answers/**", lambda route: route.abort())
    questions.nth(1).locator("input[value=A]").check()
    page.wait_for_selector("#save-status[data-state=offline]", timeout=10000)

    # The camera goes off: past the grace, answering pauses and the proctor is alerted.
    page.evaluate(CAMERA_OFF)
    banner = page.locator("#pause-banner")
    banner.wait_for(state="visible", timeout=15000)
    assert banner.get_attribute("role") == "alert"
    assert "Turn it back on to continue answering" in banner.inner_text()
    assert questions.nth(2).locator("input[value=C]").is_disabled()
    wait_for(
        lambda: Alert.objects.filter(
            attempt=attempt, kind=AlertKind.CAMERA_LOST, status="open"
        ).exists()
    )
    proctor.wait_for_selector(".tile[data-view1=lost]", timeout=15000)
    proctor.wait_for_selector(".alert-item", timeout=15000)
    screenshot(page, "paused")
    screenshot(proctor, "camera-lost")

    # The network is back but the server refuses saves while the camera is off: still queued.
    page.unroute("**/answers/**")
    page.wait_for_selector("#save-status[data-state=paused]", timeout=15000)
    assert not Answer.objects.filter(attempt=attempt, response="A").exists()

    # The camera comes back: answering resumes by itself and the queued answer is saved.
    page.evaluate("() => { window.__cameraOff = false; }")
    page.wait_for_selector("#view1-status[data-state=connected]", timeout=40000)
    banner.wait_for(state="hidden", timeout=10000)
    page.wait_for_selector("#save-status[data-state=saved]", timeout=15000)
    assert Answer.objects.filter(attempt=attempt, response="A").exists()
    assert questions.nth(2).locator("input[value=C]").is_enabled()
    wait_for(
        lambda: (
            not Alert.objects.filter(
                attempt=attempt, kind=AlertKind.CAMERA_LOST, status="open"
            ).exists()
        )
    )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.ANSWERING


def test_leaves_reach_the_console_and_the_consume_policy_waits_for_its_grace(
    personas: Personas, live_platform, media_browser, screenshot
) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(
        leave_policy=Exam.LeavePolicy.CONSUME, leave_grace_seconds=4
    )
    live_url = live_platform.url
    proctor = open_console(media_browser, live_url, personas)
    page = open_paper(media_browser, live_url, personas)
    attempt = Attempt.objects.get(registration__candidate=personas.carol)

    # The start button asks for fullscreen; leaving it is reported, coming back too.
    page.click("#fullscreen-start")
    page.wait_for_function("() => Boolean(document.fullscreenElement)")
    page.evaluate("() => document.exitFullscreen()")
    proctor.wait_for_selector(".tile[data-leaves='1']", timeout=10000)
    assert "left fullscreen" in proctor.locator(".tile-leaves").inner_text()
    page.wait_for_selector("#warning:not([hidden])")
    page.click("#fullscreen-start")
    wait_for(lambda: AttemptEvent.objects.filter(attempt=attempt, kind="returned").exists())
    time.sleep(5)  # longer than the grace: the short leave ended nothing
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.ANSWERING
    assert AttemptEvent.objects.get(kind="fullscreen_exit").action == "returned_in_time"

    # A tab switch that lasts past the grace ends the attempt, with the candidate still away.
    page.evaluate(TAB_AWAY)
    proctor.wait_for_selector(".tile[data-leaves='2']", timeout=10000)
    assert "page hidden" in proctor.locator(".tile-leaves").inner_text()
    wait_for(
        lambda: Alert.objects.filter(attempt=attempt, kind=AlertKind.LEFT_PAGE).exists(),
        seconds=10,
    )
    time.sleep(2)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.ANSWERING  # not before the grace
    wait_for(
        lambda: Attempt.objects.get(pk=attempt.pk).status != AttemptStatus.ANSWERING, seconds=20
    )
    screenshot(proctor, "consumed")

    # Back on the page, the candidate learns that the attempt has ended.
    page.evaluate(TAB_BACK)
    page.wait_for_url("**/result/", timeout=15000)
