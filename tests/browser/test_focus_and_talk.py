"""A proctor opens a candidate in focus and talks to them, in headless Chromium against the real
web and media processes: the candidate's answer page streams view 1 (the fake camera and
microphone play the shared talking-face clip), the proctor's focus plays the video at full rate
with the candidate's sound, the grid's tile shows thumbnails, and voice talk carries audio both
ways — measured on the receiving side with a WebAudio analyser, against silence before the
proctor talks. A restart of the media process reconnects both the candidate's view and the open
focus. Runs inside bin/in-loopback-netns (make test)."""

from __future__ import annotations

import pytest

from tests.browser.flows import sign_the_commitment, staff_sign_in
from tests.personas import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The loudest 100 ms (RMS, full scale 1.0) over ``seconds`` of a media element's stream.
LOUDNESS = """async (element, seconds) => {
  const context = new AudioContext();
  await context.resume();
  const analyser = context.createAnalyser();
  analyser.fftSize = 2048;
  context.createMediaStreamSource(element.srcObject).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let loudest = 0;
  for (let i = 0; i < seconds * 10; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const value of samples) sum += value * value;
    loudest = Math.max(loudest, Math.sqrt(sum / samples.length));
  }
  await context.close();
  return loudest;
}"""

# Whether a video element plays: it has a picture and its clock moves on.
PLAYING = """async (video) => {
  const before = video.currentTime;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return video.videoWidth > 0 && video.currentTime > before;
}"""


def test_a_proctor_watches_a_candidate_in_focus_and_they_talk(
    personas: Personas, live_platform, media_browser, screenshot
) -> None:
    live_url = live_platform.url
    page = media_browser.new_context(
        locale="zh-CN", viewport={"width": 1024, "height": 700}
    ).new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question")
    page.wait_for_selector("#view1-status[data-state=connected]", timeout=20000)

    proctor = media_browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 768}
    ).new_page()
    staff_sign_in(proctor, live_url, "paula")
    proctor.goto(f"{live_url}/proctor/rooms/{personas.room_a.pk}/")
    proctor.wait_for_selector("#connection[data-state=live]")
    tile = proctor.locator(".tile", has_text="Carol")
    tile.locator('.tile-thumb[data-view="1"] img:not([hidden])').wait_for(timeout=15000)

    tile.locator(".tile-open").click()
    view1 = proctor.locator('#focus-video .focus-view[data-view="1"]')
    view1.locator('.focus-view-state[data-state="connected"]').wait_for(timeout=20000)
    video = view1.locator("video")
    proctor.wait_for_function("v => v.videoWidth > 0", arg=video.element_handle(), timeout=20000)
    assert video.evaluate(PLAYING)
    assert video.evaluate("v => v.videoWidth") == 640
    # The candidate's microphone reaches the proctor.
    assert video.evaluate(LOUDNESS, 4) > 0.01
    screenshot(proctor, "focus")

    # Before the proctor talks the candidate's page hears nothing; then it hears the proctor.
    voice = page.locator("#exam > audio")
    page.wait_for_function("a => a.srcObject !== null", arg=voice.element_handle())
    assert voice.evaluate(LOUDNESS, 1) < 0.001
    proctor.click("#focus-talk")
    page.wait_for_selector(".talk-banner:not([hidden])", timeout=10000)
    assert page.inner_text(".talk-banner").strip()
    assert voice.evaluate(LOUDNESS, 4) > 0.01
    screenshot(page, "talk")

    proctor.click("#focus-talk")
    page.wait_for_selector(".talk-banner", state="hidden", timeout=10000)

    # The media process restarts: the candidate's page and the open focus both reconnect.
    proctor.evaluate(
        """() => {
          window.focusStates = [];
          document.getElementById("focus-video").addEventListener(
            "focus:state", (event) => window.focusStates.push(event.detail));
        }"""
    )
    live_platform.kill_media()
    proctor.wait_for_function("() => window.focusStates.includes('lost')", timeout=15000)
    live_platform.start_media()
    page.wait_for_selector("#view1-status[data-state=connected]", timeout=40000)
    proctor.wait_for_function("() => window.focusStates.at(-1) === 'live'", timeout=40000)
    view1.locator('.focus-view-state[data-state="connected"]').wait_for(timeout=20000)
    proctor.wait_for_function("v => v.videoWidth > 0", arg=video.element_handle(), timeout=20000)
    assert video.evaluate(PLAYING)

    # Closing the focus puts the candidate's sender back to its cap; the page stays connected.
    proctor.click("#focus-close")
    page.wait_for_timeout(1000)
    assert page.get_attribute("#view1-status", "data-state") == "connected"
