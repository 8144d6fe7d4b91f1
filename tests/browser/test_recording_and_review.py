"""Recording and review (R-PROC-6) in headless Chromium: the candidate's answer page records
the fake camera (the shared talking-face clip) with MediaRecorder in short segments that are
queued in IndexedDB and uploaded, through a dropped network (nothing lost) and a reload (at
most the last second lost); a proctor of the room opens the review page, the recording plays
from one segment into the next, and clicking an alert on the timeline moves the player to it.

The recorder needs no WebRTC, so this runs outside a network namespace too; make test runs it
inside bin/in-loopback-netns with the rest of the browser tests."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from proctoring.models import Alert, AlertKind, AlertStatus, RecordingSegment, Severity
from tests.browser.flows import page_module, sign_the_commitment, staff_sign_in, wait_for_module
from tests.personas import Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(300),
]

SEGMENT_SECONDS = 4


def wait_for(read: Any, good: Any, page: Any, seconds: float = 10) -> Any:
    """Read a value from the page until it is good (or time is up); returns the last value."""
    deadline = time.monotonic() + seconds
    value = read()
    while not good(value) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        value = read()
    return value


@pytest.fixture(scope="module", autouse=True)
def _recording_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Short segments and a media directory of this module's own, for the live processes (they
    read the environment when ``live_platform`` starts them, after this fixture)."""
    media = tmp_path_factory.mktemp("media")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RECORDING_SEGMENT_SECONDS", str(SEGMENT_SECONDS))
        patch.setenv("MEDIA_ROOT", str(media))
        yield media


def test_the_answer_page_records_and_the_proctor_reviews_it(
    personas: Personas,
    live_url: str,
    media_browser: Any,
    screenshot: Any,
    settings: Any,
    _recording_settings: Path,
) -> None:
    settings.MEDIA_ROOT = _recording_settings
    candidate = media_browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 700})
    page = candidate.new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question")
    wait_for_module(page, "recorder", "(m) => m.stats.uploaded >= 1")

    # About 25 seconds of recording, with the network down for 10 of them: the segments of that
    # time wait in IndexedDB and arrive when it is back, so the drop loses nothing.
    time.sleep(6)
    candidate.set_offline(True)
    time.sleep(10)
    offline_stats = page.evaluate(f"async () => {page_module('recorder')}.stats")
    assert offline_stats["lastError"] == "network", offline_stats
    candidate.set_offline(False)
    time.sleep(9)
    wait_for_module(page, "recorder", "(m) => m.stats.queued === 0", timeout=20000)
    stats = page.evaluate(f"async () => {page_module('recorder')}.stats")
    segments = list(RecordingSegment.objects.filter(view=1).order_by("seq"))
    assert len(segments) >= 4, (stats, segments)
    assert [s.seq for s in segments] == list(range(len(segments)))
    for segment in segments:
        assert (segment.attempt.registration.candidate_id) == personas.carol.pk
        assert SEGMENT_SECONDS * 1000 - 1500 <= segment.duration_ms <= SEGMENT_SECONDS * 1000 + 2500
        data = Path(segment.file.path).read_bytes()
        assert data.startswith(b"\x1a\x45\xdf\xa3") and len(data) == segment.size > 1000
    # One timeline without holes: each segment starts where the one before ended.
    for before, after in itertools.pairwise(segments):
        end = before.started_at + dt.timedelta(milliseconds=before.duration_ms)
        assert abs((after.started_at - end).total_seconds()) < 1.5, (before, after)

    # A reload (or a crash) loses at most the last second or so: the unfinished segment is
    # finished from what reached IndexedDB and sent by the next page (once it is stale), and the
    # numbering goes on from the local counter.
    reload_at = timezone.now()
    page.reload()
    page.wait_for_selector("fieldset.question")
    page.wait_for_timeout(9000)
    wait_for_module(page, "recorder", "(m) => m.stats.queued === 0", timeout=20000)
    after_reload = list(RecordingSegment.objects.filter(view=1).order_by("started_at"))
    seqs = [s.seq for s in after_reload]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert any(s.started_at > reload_at for s in after_reload)
    holes = [
        (after.started_at - before.started_at).total_seconds() - before.duration_ms / 1000
        for before, after in itertools.pairwise(after_reload)
    ]
    described = " ".join(f"{s.seq}@{s.started_at.time()}+{s.duration_ms}" for s in after_reload)
    assert max(holes) < 3.0, f"{described}; reload at {reload_at.time()}"

    # An alert in the third segment, as the vision workers would raise it.
    attempt = segments[0].attempt
    at = segments[2].started_at + dt.timedelta(seconds=2.5)
    alert = Alert.objects.create(
        attempt=attempt,
        kind=AlertKind.EXTRA_PERSON,
        severity=Severity.HIGH,
        status=AlertStatus.CLOSED,
        opened_at=at,
        last_seen_at=at + dt.timedelta(seconds=1),
        closed_at=at + dt.timedelta(seconds=1),
    )

    proctor = media_browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 800}
    ).new_page()
    staff_sign_in(proctor, live_url, "paula")
    proctor.goto(f"{live_url}/proctor/attempts/{attempt.pk}/review/")
    assert "Carol" in proctor.inner_text("h1")
    # (the live vision worker may add alerts of its own from the real video: find this one)
    assert "出现他人" in proctor.inner_text(f".review-item[data-alert-id='{alert.pk}']")

    # The player loads the first segment and plays: time advances.
    proctor.wait_for_function(
        "() => document.querySelector('#player-1 video').readyState >= 2", timeout=15000
    )
    proctor.click("#play-both")
    proctor.wait_for_function(
        "() => document.querySelector('#player-1 video').currentTime > 1", timeout=15000
    )
    # It plays on from one segment into the next.
    proctor.wait_for_function(
        f"() => document.querySelector('#player-1').dataset.segment === '{segments[1].pk}'",
        timeout=SEGMENT_SECONDS * 1000 + 8000,
    )
    proctor.wait_for_function(
        "() => document.querySelector('#player-1 video').readyState >= 2"
        " && document.querySelector('#player-1 video').currentTime > 0.3",
        timeout=10000,
    )
    screenshot(proctor, "review-playing")

    # Clicking the alert on the timeline moves the player to it (a little before it).
    proctor.click(f".timeline-alert[data-alert-id='{alert.pk}']")
    proctor.wait_for_function(
        f"() => document.querySelector('#player-1').dataset.segment === '{segments[2].pk}'"
    )
    alert_ms = at.timestamp() * 1000
    wall = wait_for(
        lambda: float(proctor.get_attribute("#player-1", "data-wall-time") or 0),
        lambda value: alert_ms - 3000 <= value <= alert_ms + 2000,
        proctor,
    )
    assert alert_ms - 3000 <= wall <= alert_ms + 2000
    proctor.wait_for_function(
        "() => document.querySelector('#player-1 video').readyState >= 2", timeout=10000
    )
    screenshot(proctor, "review-alert")

    # The phone's view has no recording in this exam: the page says so instead of a player.
    assert proctor.locator("#player-2 video").is_hidden()
    page.close()
