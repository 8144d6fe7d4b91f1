"""View 2 from a real phone-sized browser: the candidate's second-view step shows a QR code; a
second browser context with a phone's viewport and touch opens the code's link (the page shows
it as text for people who cannot scan), streams Chromium's fake camera (the shared talking-face
clip) to the media process as view 2 on loopback only, and the candidate's page goes on to the
paper by itself, where the phone's state is shown. The used link refuses a second phone.
Runs inside bin/in-loopback-netns (make test)."""

from __future__ import annotations

import time

import pytest

from exams.models import Attempt, Exam
from exams.statuses import AttemptStatus
from proctoring.models import EvidenceFrame, PhonePairing, RecordingSegment, ViewState
from tests.browser.flows import sign_the_commitment, staff_sign_in, wait_for
from tests.personas import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "locale": "zh-CN",
    "viewport": {"width": 360, "height": 780},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0 Mobile Safari/537.36"
    ),
}


# A proctor's focus peer as proctoring.media.focus expects it (what static/js/focus.js does).
OPEN_FOCUS = """async (url) => {
  const pc = new RTCPeerConnection({ iceServers: [] });
  for (const kind of ["video", "audio", "video", "audio"]) {
    pc.addTransceiver(kind, { direction: "recvonly" });
  }
  const socket = new WebSocket(url);
  window.__focus = { pc, socket };
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  const answered = new Promise((resolve) => {
    socket.onmessage = async (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "answer") {
        await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
        resolve();
      }
    };
  });
  await pc.setLocalDescription(await pc.createOffer());
  socket.send(JSON.stringify({ type: "offer", sdp: pc.localDescription.sdp }));
  await answered;
}"""


def test_the_phone_pairs_by_qr_streams_view_two_and_the_exam_goes_on(
    personas: Personas, live_platform, media_browser, screenshot
) -> None:
    live_url = live_platform.url
    Exam.objects.filter(pk=personas.formal.pk).update(requires_second_view=True)

    page = media_browser.new_context(
        locale="zh-CN", viewport={"width": 1024, "height": 700}
    ).new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_url("**/exam/second-view/")

    # The QR code and its link as text; the page waits for the phone without reloading.
    page.wait_for_selector("#phone-qr:not([hidden])")
    link = page.get_attribute("#phone-pairing", "data-link")
    assert link and link.startswith(f"{live_url}/phone/")
    assert page.text_content("#phone-link") == link  # under "Cannot scan the code?"
    assert page.evaluate("document.getElementById('phone-qr').naturalWidth") > 0
    page.wait_for_selector("#phone-state[data-state=waiting]")
    page.evaluate("window.__sameDocument = true")
    screenshot(page, "candidate-qr")

    phone = media_browser.new_context(**PHONE).new_page()
    phone.goto(link)
    phone.wait_for_url(f"{live_url}/phone/")
    phone.wait_for_selector("#phone[data-state=connected]", timeout=30000)
    phone.wait_for_function("() => document.getElementById('phone-preview').videoWidth > 0")
    # Usable on a small screen: nothing wider than the phone, the rear camera chosen first.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert phone.is_checked("input[name=facing][value=environment]")
    assert phone.get_attribute("#phone-wake", "data-state") in ("awake", "not_awake")
    screenshot(phone, "phone-streaming")

    # The candidate's page goes on by itself: the exam is open, so to the paper.
    page.wait_for_url("**/exam/answer/", timeout=20000)
    page.wait_for_selector("fieldset.question")
    page.wait_for_selector("#view2-status[data-state=connected]", timeout=20000)
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    assert attempt.status == AttemptStatus.ANSWERING
    assert ViewState.objects.get(attempt=attempt, view=2).connected
    wait_for(lambda: EvidenceFrame.objects.filter(attempt=attempt, view=2).exists())
    pairing = PhonePairing.objects.get(attempt=attempt, used_at__isnull=False)
    assert "Android" in pairing.user_agent
    screenshot(page, "candidate-answering")

    # The link was used: a second phone is told to scan a new code.
    other = media_browser.new_context(**PHONE).new_page()
    response = other.goto(link)
    assert response is not None and response.status == 410
    assert other.locator(".phone-refused-message").inner_text()

    # The phone's own recording (with its microphone) is uploaded as view 2.
    wait_for(lambda: RecordingSegment.objects.filter(attempt=attempt, view=2).exists(), 40)

    # The media process crashes and comes back: the phone says so and reconnects by itself.
    live_platform.kill_media()
    phone.wait_for_selector("#phone[data-state=lost]", timeout=15000)
    live_platform.start_media()
    phone.wait_for_selector("#phone[data-state=connected]", timeout=40000)
    page.wait_for_selector("#view2-status[data-state=connected]", timeout=30000)

    # A proctor opens the candidate in focus: the phone lifts its frame-rate cap until it closes.
    proctor = media_browser.new_context(locale="zh-CN").new_page()
    staff_sign_in(proctor, live_url, "paula")
    proctor.wait_for_url(f"{live_url}/**")
    proctor.evaluate(OPEN_FOCUS, f"{live_platform.media_ws}/ws/media/focus/{attempt.pk}/")
    phone.wait_for_selector("#phone[data-focus=on]", timeout=15000)
    proctor.evaluate("window.__focus.socket.close(); window.__focus.pc.close()")
    phone.wait_for_selector("#phone[data-focus=off]", timeout=15000)
    proctor.context.close()

    # Switching to the front camera keeps the phone connected.
    phone.check("input[name=facing][value=user]")
    phone.wait_for_function("() => document.getElementById('phone-preview').videoWidth > 0")
    time.sleep(1)
    assert phone.get_attribute("#phone", "data-state") == "connected"

    # Close the pages and let the media process record both views as lost before the test's
    # database is flushed (its writes would otherwise race the flush).
    for context in media_browser.contexts:
        context.close()
    wait_for(lambda: not ViewState.objects.filter(attempt=attempt, connected=True).exists())
