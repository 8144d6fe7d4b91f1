"""The room scan (issue #13 §4) in headless Chromium with the fake camera, on loopback only: the
candidate pairs a phone (a second, phone-sized browser context); the computer's page then asks
for the room scan; the phone records it ("Start room scan", the countdown, "Finish room scan")
and sends it; the computer's page goes on to the paper by itself; a replayed pairing link pairs
nothing; and the proctor's review page plays the scan from the real WebM bytes the phone
recorded. The test settings make the scan's minimum 3 seconds. Runs inside
bin/in-loopback-netns (make test)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from exams.models import Attempt, Exam
from exams.statuses import AttemptStatus
from proctoring.models import RoomScan, ViewState
from tests.browser.flows import sign_the_commitment, staff_sign_in, wait_for
from tests.browser.test_second_view_in_the_browser import PHONE
from tests.personas import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The review page's first scan player: its file's first bytes, fetched as the player does.
FIRST_BYTES = """async () => {
  const video = document.querySelector('#room-scans video');
  const response = await fetch(video.currentSrc || video.src, { headers: { Range: 'bytes=0-3' } });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, type: response.headers.get('Content-Type'),
           bytes: Array.from(bytes) };
}"""


def test_the_phone_scans_the_room_and_the_review_page_plays_it(
    personas: Personas, live_platform, media_browser, screenshot
) -> None:
    live_url = live_platform.url
    Exam.objects.filter(pk=personas.formal.pk).update(
        requires_second_view=True, requires_room_scan=True
    )

    page = media_browser.new_context(
        locale="zh-CN", viewport={"width": 1024, "height": 700}
    ).new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_url("**/exam/second-view/")
    page.wait_for_selector("#phone-qr:not([hidden])")
    link = page.get_attribute("#phone-pairing", "data-link")
    assert link

    phone = media_browser.new_context(**PHONE).new_page()
    phone.goto(link)
    phone.wait_for_url(f"{live_url}/phone/")
    phone.wait_for_selector("#phone[data-state=connected]", timeout=30000)

    # The phone's stream arrived: the computer asks for the room scan and waits for it.
    page.wait_for_url("**/exam/room-scan/", timeout=20000)
    page.wait_for_selector("#room-scan-state[data-state=waiting]")
    screenshot(page, "candidate-room-scan-step")
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    assert attempt.status == AttemptStatus.SECOND_VIEW_CONNECTED

    # A replayed pairing link pairs nothing: the second browser is told, and cannot scan.
    other = media_browser.new_context(**PHONE).new_page()
    response = other.goto(link)
    assert response is not None and response.status == 410
    assert other.locator(".phone-refused-message").inner_text()
    other.context.close()

    phone.wait_for_selector("#room-scan-start:not([disabled])", timeout=10000)
    phone.click("#room-scan-start")
    phone.wait_for_selector("#room-scan[data-state=recording]")
    phone.wait_for_selector("#room-scan-progress:not([hidden])")
    assert phone.inner_text("#room-scan-countdown")  # the seconds still to turn
    assert phone.is_disabled("#room-scan-finish")  # not before the minimum
    screenshot(phone, "phone-room-scan-recording")
    phone.wait_for_selector("#room-scan-finish:not([disabled])", timeout=10000)
    phone.click("#room-scan-finish")
    # Saved; once the exam has opened (it is open: the paper follows at once) it says that the
    # scan is saved and no new one can be made.
    phone.wait_for_selector("#room-scan:is([data-state=done], [data-state=closed])", timeout=20000)
    assert "环境扫描已保存" in phone.inner_text("#room-scan-status")
    screenshot(phone, "phone-room-scan-done")

    # The scan is stored with the attempt, and the computer's page goes on to the paper.
    page.wait_for_url("**/exam/answer/", timeout=20000)
    page.wait_for_selector("fieldset.question")
    scan = RoomScan.objects.get(attempt=attempt)
    assert scan.duration_ms >= 3000 and scan.size > 1000
    with scan.file.open("rb") as stored:
        assert stored.read(4) == b"\x1a\x45\xdf\xa3"

    # The proctor of the room reviews the attempt: the scan plays from its real WebM file.
    proctor = media_browser.new_context(locale="zh-CN").new_page()
    staff_sign_in(proctor, live_url, "paula")
    proctor.wait_for_url(f"{live_url}/**")
    proctor.goto(f"{live_url}/proctor/attempts/{attempt.pk}/review/")
    proctor.wait_for_selector("#room-scans video")
    proctor.wait_for_function(
        "() => document.querySelector('#room-scans video').readyState >= 1", timeout=15000
    )
    assert proctor.evaluate("document.querySelector('#room-scans video').videoWidth") > 0
    first = proctor.evaluate(FIRST_BYTES)
    assert first == {"status": 206, "type": "video/webm", "bytes": [0x1A, 0x45, 0xDF, 0xA3]}
    caption = proctor.inner_text("#room-scans figcaption")
    assert timezone.localtime(scan.started_at).strftime("%H:%M:%S") in caption
    assert str(scan.duration_seconds) in caption
    screenshot(proctor, "review-room-scan")

    # Close the pages and let the media process record the views as lost before the flush.
    for context in media_browser.contexts:
        context.close()
    wait_for(lambda: not ViewState.objects.filter(attempt=attempt, connected=True).exists())
