"""The shared screen (issue 13 §4) in headless Chromium: on an exam that requires it, answering
waits until the candidate shares the entire screen; the share is recorded as view 3 in
segments and sampled as stills, which the proctor's review page plays and shows; stopping the
share pauses answering and alerts the proctor until it is shared again. A window or a tab is
refused with a message, and nothing of it is recorded.

Headless Chromium 156 always shares its whole (virtual) screen, whatever is asked: neither
``--auto-select-desktop-capture-source`` nor ``--auto-accept-this-tab-capture`` makes it pick
a window or a tab. So the refusal test gives the page the real share with the track's settings
saying ``displaySurface: "browser"`` (what Chromium says of a tab), and the page's own check
does the rest. The recorder needs no WebRTC; make test runs this inside bin/in-loopback-netns
with the other browser tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exams.models import SCREEN_VIEW, Attempt, Exam
from proctoring.models import Alert, AlertKind, EvidenceFrame, RecordingSegment, ViewState
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.flows import (
    page_module,
    sign_the_commitment,
    staff_sign_in,
    wait_for,
    wait_for_module,
)
from tests.personas import Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(300),
]

SEGMENT_SECONDS = 3

# The page's shares, kept so that the test can stop one as the browser's "Stop sharing" does;
# with `__surface` set, each share's track says it is of that surface instead of the monitor.
KEEP_SHARES = """
(() => {
  const devices = navigator.mediaDevices;
  if (!devices || !devices.getDisplayMedia) return;
  const open = devices.getDisplayMedia.bind(devices);
  window.__shares = [];
  window.__surface = "";
  devices.getDisplayMedia = async (constraints) => {
    const stream = await open(constraints);
    window.__shares.push(stream);
    if (window.__surface) {
      const track = stream.getVideoTracks()[0];
      const real = track.getSettings.bind(track);
      track.getSettings = () => ({ ...real(), displaySurface: window.__surface });
    }
    return stream;
  };
})();
"""
STOP_SHARING = """() => {
  const stream = window.__shares[window.__shares.length - 1];
  stream.getVideoTracks().forEach((track) => track.stop());
}"""


@pytest.fixture(scope="module", autouse=True)
def _screen_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Short segments, a still every 2 s and this module's own media directory, for the live
    processes (they read the environment when ``live_platform`` starts them)."""
    media = tmp_path_factory.mktemp("media")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RECORDING_SEGMENT_SECONDS", str(SEGMENT_SECONDS))
        patch.setenv("SCREEN_STILL_SECONDS", "2")
        patch.setenv("MEDIA_ROOT", str(media))
        yield media


@pytest.fixture
def screen_browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Chromium that grants the screen share without its picker, choosing the entire screen."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        "--auto-select-desktop-capture-source=Entire screen",
    ]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield chromium
        chromium.close()


def screen_exam(personas: Personas) -> None:
    # The computer's camera off: this is about the screen, and needs no media process.
    Exam.objects.filter(pk=personas.formal.pk).update(
        requires_screen_share=True, requires_camera=False, view_loss_grace_seconds=2
    )


def open_paper(screen_browser: Any, live_url: str, personas: Personas, locale: str) -> Any:
    context = screen_browser.new_context(locale=locale, viewport={"width": 1024, "height": 700})
    context.add_init_script(KEEP_SHARES)
    page = context.new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question")
    return page


def test_the_entire_screen_is_recorded_and_appears_on_the_review_page(
    personas: Personas,
    live_url: str,
    screen_browser: Any,
    screenshot: Any,
    settings: Any,
    _screen_settings: Path,
) -> None:
    settings.MEDIA_ROOT = _screen_settings
    screen_exam(personas)
    page = open_paper(screen_browser, live_url, personas, "en")
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    questions = page.locator("fieldset.question")

    # Not shared yet: answering waits, and the page says what to do.
    page.wait_for_selector("#screen-share[data-state=needed]")
    banner = page.locator("#pause-banner")
    banner.wait_for(state="visible", timeout=5000)
    assert "Share your entire screen" in banner.inner_text()
    assert questions.nth(0).locator("input[value=B]").is_disabled()
    screenshot(page, "screen-needed")
    # The exam's start is not a share that stopped: the proctor is not alerted.
    time.sleep(2)
    assert not Alert.objects.filter(attempt=attempt, kind=AlertKind.SCREEN_SHARE_STOPPED).exists()

    page.click("#screen-share [data-share]")
    page.wait_for_selector("#screen-share[data-state=sharing]")
    banner.wait_for(state="hidden", timeout=5000)
    questions.nth(0).locator("input[value=B]").check()
    page.wait_for_selector("#save-status[data-state=saved]", timeout=10000)
    wait_for(lambda: ViewState.objects.filter(attempt=attempt, view=3, connected=True).exists())

    # Segments of view 3 and stills arrive.
    wait_for_module(page, "recorder", "(m) => m.stats.uploaded >= 2", timeout=30000)
    wait_for_module(page, "screen_share", "(m) => m.screenShare.stats.stills >= 2")
    segments = list(RecordingSegment.objects.filter(attempt=attempt, view=SCREEN_VIEW))
    assert len(segments) >= 2
    for segment in segments:
        data = Path(segment.file.path).read_bytes()
        assert data.startswith(b"\x1a\x45\xdf\xa3") and len(data) == segment.size
    stills = list(EvidenceFrame.objects.filter(attempt=attempt, kind=EvidenceFrame.Kind.SCREEN))
    assert stills and all(s.view == SCREEN_VIEW for s in stills)
    assert Path(stills[0].image.path).read_bytes().startswith(b"\xff\xd8\xff")

    # "Stop sharing": answering pauses past the grace, the proctor is alerted; sharing again
    # resumes answering and closes the alert.
    page.evaluate(STOP_SHARING)
    page.wait_for_selector("#screen-share[data-state=stopped]", timeout=5000)
    banner.wait_for(state="visible", timeout=10000)
    assert questions.nth(1).locator("input[value=A]").is_disabled()
    wait_for(
        lambda: Alert.objects.filter(
            attempt=attempt, kind=AlertKind.SCREEN_SHARE_STOPPED, status="open"
        ).exists()
    )
    screenshot(page, "screen-stopped")
    page.click("#screen-share [data-share]")
    page.wait_for_selector("#screen-share[data-state=sharing]")
    banner.wait_for(state="hidden", timeout=5000)
    wait_for(
        lambda: (
            not Alert.objects.filter(
                attempt=attempt, kind=AlertKind.SCREEN_SHARE_STOPPED, status="open"
            ).exists()
        )
    )
    wait_for_module(page, "recorder", "(m) => m.stats.queued === 0", timeout=20000)

    # A reload ends the share: the page that comes back says so, as the server still has "shared".
    page.reload()
    page.wait_for_selector("#screen-share[data-state=needed]")
    wait_for(lambda: ViewState.objects.filter(attempt=attempt, view=3, connected=False).exists())
    page.click("#screen-share [data-share]")
    page.wait_for_selector("#screen-share[data-state=sharing]")
    wait_for(lambda: ViewState.objects.filter(attempt=attempt, view=3, connected=True).exists())
    wait_for_module(page, "recorder", "(m) => m.stats.uploaded >= 1", timeout=20000)
    wait_for_module(page, "recorder", "(m) => m.stats.queued === 0", timeout=20000)

    # The proctor's review page lists and plays the screen's segments and shows its stills.
    proctor = screen_browser.new_context(
        locale="en", viewport={"width": 1280, "height": 900}
    ).new_page()
    staff_sign_in(proctor, live_url, "paula")
    proctor.goto(f"{live_url}/proctor/attempts/{attempt.pk}/review/")
    assert proctor.locator("#track-view3 .timeline-segment").count() >= 2
    proctor.wait_for_function(
        "() => document.querySelector('#player-3 video').readyState >= 2", timeout=15000
    )
    proctor.click("#play-both")
    try:  # on a loaded machine the first frames may take a while
        proctor.wait_for_function(
            "() => document.querySelector('#player-3 video').currentTime > 0.5", timeout=30000
        )
    except Exception:  # say where the player stood, and what segments it had
        state = proctor.evaluate(
            "() => { const f = document.querySelector('#player-3');"
            " const v = f.querySelector('video');"
            " return {seg: f.dataset.segment, t: v.currentTime, paused: v.paused, rs: v.readyState,"
            " err: v.error && v.error.code, note: f.querySelector('.review-note').textContent,"
            " src: v.currentSrc}; }"
        )
        segs = list(
            RecordingSegment.objects.filter(attempt=attempt, view=3).values_list(
                "seq", "started_at", "duration_ms", "size"
            )
        )
        raise AssertionError(f"{state} {segs}") from None
    assert proctor.locator("#screen-review .screen-stills img").count() >= 2
    proctor.wait_for_function(
        "() => { const img = document.querySelector('#screen-review img');"
        " return img.complete && img.naturalWidth > 0; }"
    )
    screenshot(proctor, "screen-review")
    page.close()


def test_a_window_or_tab_is_refused_and_nothing_is_recorded(
    personas: Personas,
    live_url: str,
    screen_browser: Any,
    screenshot: Any,
    settings: Any,
    _screen_settings: Path,
) -> None:
    settings.MEDIA_ROOT = _screen_settings
    screen_exam(personas)
    page = open_paper(screen_browser, live_url, personas, "zh-CN")
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    page.wait_for_selector("#screen-share[data-state=needed]")

    page.evaluate("() => { window.__surface = 'browser'; }")  # what Chromium says of a tab
    page.click("#screen-share [data-share]")
    problem = page.locator("#screen-share [data-problem]")
    problem.wait_for(state="visible", timeout=5000)
    assert problem.get_attribute("role") == "alert"
    assert "整个屏幕" in problem.inner_text()  # zh-Hans: choose the entire screen
    screenshot(page, "screen-refused")
    # The share was stopped at once; answering still waits; nothing is recorded.
    assert page.evaluate(
        "() => window.__shares[0].getTracks().every((t) => t.readyState === 'ended')"
    )
    assert page.get_attribute("#screen-share", "data-state") == "needed"
    page.locator("#pause-banner").wait_for(state="visible", timeout=5000)
    assert (
        page.evaluate(f"async () => {page_module('screen_share')}.screenShare.stats.refused") == 1
    )
    time.sleep(SEGMENT_SECONDS + 2)
    assert page.evaluate(f"async () => {page_module('recorder')}.stats.recorded") == 0
    assert not RecordingSegment.objects.filter(attempt=attempt).exists()
    assert not EvidenceFrame.objects.filter(attempt=attempt).exists()
    assert not ViewState.objects.filter(attempt=attempt, view=3, connected=True).exists()

    # Choosing the entire screen then works.
    page.evaluate("() => { window.__surface = ''; }")
    page.click("#screen-share [data-share]")
    page.wait_for_selector("#screen-share[data-state=sharing]")
    assert problem.is_hidden()
    page.close()


# Headless Chromium has one (virtual) display: the second one is what the Window Management API
# would say of a computer with two, `screen.isExtended` true and a "change" event when it goes.
TWO_DISPLAYS = """
(() => {
  window.__extended = true;
  Object.defineProperty(Screen.prototype, "isExtended", {
    configurable: true, get: () => window.__extended,
  });
})();
"""


def test_an_extra_display_reaches_the_proctor_until_it_is_disconnected(
    personas: Personas, live_url: str, screen_browser: Any, screenshot: Any
) -> None:
    context = screen_browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 700})
    context.add_init_script(TWO_DISPLAYS)
    page = context.new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question")
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    notice = page.locator("#display-warning")
    notice.wait_for(state="visible", timeout=5000)
    assert "显示器" in notice.inner_text()
    wait_for(
        lambda: Alert.objects.filter(
            attempt=attempt, kind=AlertKind.EXTRA_DISPLAY, status="open"
        ).exists()
    )
    screenshot(page, "extra-display")

    page.evaluate("() => { window.__extended = false; screen.dispatchEvent(new Event('change')); }")
    notice.wait_for(state="hidden", timeout=5000)
    wait_for(
        lambda: (
            not Alert.objects.filter(
                attempt=attempt, kind=AlertKind.EXTRA_DISPLAY, status="open"
            ).exists()
        )
    )
    page.close()


def test_the_device_check_tells_the_displays_and_rehearses_the_share(
    live_url: str, screen_browser: Any, screenshot: Any
) -> None:
    page = screen_browser.new_page(locale="en")
    page.goto(f"{live_url}/support/device-check/")
    page.wait_for_selector("#display-check[data-state=single]")
    assert "one display" in page.inner_text("#display-check")
    page.click("#screen-share [data-share]")
    page.wait_for_selector("#screen-share[data-state=check_ok]")
    screenshot(page, "device-check-screen")
    # Without the Window Management API the page says it cannot tell, and raises nothing.
    other = screen_browser.new_page(locale="en")
    other.add_init_script(
        "Object.defineProperty(Screen.prototype, 'isExtended', {get: () => undefined});"
    )
    other.goto(f"{live_url}/support/device-check/")
    other.wait_for_selector("#display-check[data-state=unknown]")
    assert "cannot tell" in other.inner_text("#display-check")
