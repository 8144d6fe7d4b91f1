"""View 1 from a real browser: Chromium's fake camera (the shared talking-face clip) streams from
the answer page to the media process over WebRTC on loopback only; the server samples frames into
the vision workers; the proctor's tile shows the view. Killing the media process mid-exam leaves
answering untouched, the proctor is told the view is lost, and the page reconnects by itself when
the process is back (issue 5, "Done means"). Runs inside bin/in-loopback-netns (make test)."""

from __future__ import annotations

import math

import pytest
from django.utils import timezone

from exams.models import Answer, Attempt
from proctoring.models import EvidenceFrame, RecordingSegment
from tests.browser.flows import sign_the_commitment, staff_sign_in, wait_for
from tests.personas import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Notes when the page opens each WebSocket (the page's own sockets, unchanged otherwise): how
# often the page knocks while the media process is down shows its back-off.
NOTE_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      window.__sockets.push({ url: String(args[0]), at: Date.now() });
    }
  };
})();"""
OUTAGE_MS = 8000


def test_view_one_streams_survives_a_media_crash_and_comes_back(
    personas: Personas, live_platform, media_browser, screenshot
) -> None:
    live_url = live_platform.url
    proctor = media_browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 800}
    ).new_page()
    staff_sign_in(proctor, live_url, "paula")
    proctor.goto(f"{live_url}/proctor/rooms/{personas.room_a.pk}/")
    proctor.wait_for_selector("#connection[data-state=live]")

    page = media_browser.new_context(
        locale="zh-CN", viewport={"width": 1024, "height": 700}
    ).new_page()
    page.add_init_script(script=NOTE_SOCKETS)
    sign_the_commitment(page, live_url, personas.carol.id_number)
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
    crashed_at = timezone.now()
    live_platform.kill_media()
    killed_ms = page.evaluate("Date.now()")
    page.wait_for_selector("#view1-status[data-state=lost]", timeout=15000)
    proctor.wait_for_selector(".tile[data-view1=lost]", timeout=15000)
    page.locator("fieldset.question").nth(0).locator("input[value=B]").check()
    page.wait_for_selector("#save-status[data-state=saved]", timeout=10000)
    assert Answer.objects.filter(attempt=attempt, response="B").exists()
    screenshot(proctor, "view-lost")

    # It comes back on the same address: the page reconnects without a reload. Meanwhile the
    # page knocked again and again, but with its back-off (LiveSocket: from 1 s, doubling, with
    # jitter between half and one and a half of each delay): n tries need at least
    # 500 ms × (2^(n-1) - 1), so an outage of T ms allows at most 1 + log2(2T/1000 + 1) tries.
    page.wait_for_timeout(max(0, OUTAGE_MS - (page.evaluate("Date.now()") - killed_ms)))
    restarted_ms = page.evaluate("Date.now()")
    live_platform.start_media()
    page.wait_for_selector("#view1-status[data-state=connected]", timeout=40000)
    proctor.wait_for_selector(".tile[data-view1=connected]", timeout=15000)
    tries = page.evaluate(
        "([from, to]) => window.__sockets.filter((s) => s.url.includes('/view/1/')"
        " && s.at > from && s.at < to).length",
        [killed_ms, restarted_ms],
    )
    outage = restarted_ms - killed_ms
    assert 2 <= tries <= 1 + math.log2(2 * outage / 1000 + 1) + 1, (tries, outage)
    before = EvidenceFrame.objects.filter(attempt=attempt, view=1).count()
    wait_for(lambda: EvidenceFrame.objects.filter(attempt=attempt, view=1).count() > before)

    # The recording never depended on the media process: recorded in the browser and uploaded
    # to the web process, it has what came before the crash and what came while it was down.
    segments = RecordingSegment.objects.filter(attempt=attempt, view=1)
    wait_for(lambda: segments.filter(started_at__lt=crashed_at).exists(), seconds=30)
    wait_for(lambda: segments.filter(started_at__gt=crashed_at).exists(), seconds=30)
