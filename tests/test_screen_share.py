"""The shared screen (issue 13 §4): an exam option, recorded as view 3 (segments and stills)
only for exams that require it, its stop a lost view that pauses answering and alerts the
proctor; and extra displays reported by the exam page reaching the proctor as an alert."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from exams import services
from exams.models import SCREEN_VIEW, Attempt, AttemptEvent, Exam
from proctoring import view_states
from proctoring.models import Alert, AlertKind, EvidenceFrame, RecordingSegment, ViewState
from tests.personas import Personas
from tests.test_recordings import params, staff_client, webm

pytestmark = pytest.mark.django_db

# The smallest JPEG header a still starts with, and enough bytes after it to be one.
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def require_screen(personas: Personas, on: bool = True) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(requires_screen_share=on)


def upload(client: Client, attempt: Attempt, seq: int = 0) -> Any:
    return client.post(
        f"/proctor/recordings/{attempt.pk}/{SCREEN_VIEW}/" + params(seq),
        data=webm(),
        content_type="video/webm",
    )


def still(client: Client, attempt: Attempt, body: bytes = JPEG) -> Any:
    return client.post(
        f"/proctor/recordings/{attempt.pk}/screen-stills/", data=body, content_type="image/jpeg"
    )


def report(client: Client, attempt: Attempt, kind: str) -> Any:
    return client.post(
        f"/api/exam/attempts/{attempt.pk}/events",
        json.dumps({"kind": kind}),
        content_type="application/json",
    )


def test_the_screen_is_refused_for_an_exam_that_does_not_require_it(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    response = upload(carol_client, carol_attempt)
    assert response.status_code == 403
    assert response.json()["code"] == "screen_not_required"
    assert response.json()["message"]
    assert carol_client.get(f"/proctor/recordings/{carol_attempt.pk}/3/").status_code == 403
    refused = still(carol_client, carol_attempt)
    assert refused.status_code == 403 and refused.json()["code"] == "screen_not_required"
    assert not RecordingSegment.objects.exists() and not EvidenceFrame.objects.exists()
    # No view beyond the three.
    assert carol_client.get(f"/proctor/recordings/{carol_attempt.pk}/4/").status_code == 404


def test_an_exam_that_requires_the_screen_takes_its_segments_and_stills(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    require_screen(personas)
    assert carol_client.get(f"/proctor/recordings/{carol_attempt.pk}/3/").json() == {"next_seq": 0}
    assert upload(carol_client, carol_attempt).status_code == 201
    segment = RecordingSegment.objects.get()
    assert (segment.attempt, segment.view) == (carol_attempt, SCREEN_VIEW)
    assert still(carol_client, carol_attempt).status_code == 201
    frame = EvidenceFrame.objects.get()
    assert (frame.view, frame.kind) == (SCREEN_VIEW, EvidenceFrame.Kind.SCREEN)
    assert Path(frame.image.path).read_bytes() == JPEG

    # Not a JPEG: refused, nothing stored.
    bad = still(carol_client, carol_attempt, b"GIF89a" + b"\x00" * 50)
    assert bad.status_code == 400 and bad.json()["code"] == "not_jpeg"
    assert EvidenceFrame.objects.count() == 1

    # Another candidate cannot upload this attempt's screen.
    from tests.conftest import candidate_client

    dave = candidate_client(personas, "dave")
    assert upload(dave, carol_attempt, seq=1).status_code == 404
    assert still(dave, carol_attempt).status_code == 404

    # The review page has the screen's player, its timeline row and its stills.
    page = staff_client("paula").get(f"/proctor/attempts/{carol_attempt.pk}/review/")
    html = page.content.decode()
    assert 'id="player-3"' in html and 'id="track-view3"' in html
    assert 'id="screen-review"' in html
    assert f"/vision/evidence/{frame.pk}/" in html
    timeline = page.context["timeline"]
    assert [s["id"] for s in timeline["views"]["3"]["segments"]] == [segment.pk]


def test_the_share_stopped_pauses_answering_and_alerts_the_proctor(
    personas: Personas, carol_attempt: Attempt
) -> None:
    require_screen(personas)
    Exam.objects.filter(pk=personas.formal.pk).update(view_loss_grace_seconds=0)
    carol_attempt.refresh_from_db()
    assert SCREEN_VIEW in carol_attempt.registration.exam.required_views

    view_states.record_view_state(carol_attempt.pk, SCREEN_VIEW, False)
    alert = Alert.objects.get(kind=AlertKind.SCREEN_SHARE_STOPPED, status="open")
    assert alert.view == SCREEN_VIEW
    later = timezone.now() + dt.timedelta(seconds=1)
    assert services.views_down(carol_attempt, later) == [SCREEN_VIEW]

    view_states.record_view_state(carol_attempt.pk, SCREEN_VIEW, True)
    assert not Alert.objects.filter(kind=AlertKind.SCREEN_SHARE_STOPPED, status="open").exists()
    assert services.views_down(carol_attempt, later) == []


def test_an_extra_display_reaches_the_proctor_and_its_removal_closes_the_alert(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(leave_policy=Exam.LeavePolicy.LOG)
    response = report(carol_client, carol_attempt, "extra_display")
    assert response.status_code == 200 and response.json()["action"] == "logged"
    assert AttemptEvent.objects.get().kind == AttemptEvent.Kind.EXTRA_DISPLAY
    alert = Alert.objects.get(kind=AlertKind.EXTRA_DISPLAY)
    assert alert.status == "open"
    # Not a leave: the console's leave count does not move.
    assert carol_attempt.events.filter(kind__in=AttemptEvent.LEAVING).count() == 0

    assert report(carol_client, carol_attempt, "single_display").status_code == 200
    alert.refresh_from_db()
    assert alert.status == "closed"

    # A kind the page has no business sending is refused by the schema.
    assert report(carol_client, carol_attempt, "extra_monitor").status_code == 422


def test_the_setting_is_on_the_exam_settings_page_and_told_to_the_candidate(
    personas: Personas,
) -> None:
    page = staff_client("oscar").get(f"/exam/manage/{personas.formal.pk}/")
    assert page.status_code == 200, page.status_code
    assert 'name="requires_screen_share"' in page.content.decode()

    require_screen(personas)
    from tests.conftest import candidate_client

    info = candidate_client(personas, "carol").get("/exam/", follow=True)
    assert 'id="screen-share-note"' in info.content.decode()


@pytest.mark.django_db(transaction=True)
async def test_the_page_reports_its_screen_share_only_where_the_exam_requires_it(
    personas: Personas,
) -> None:
    from asgiref.sync import sync_to_async

    from tests.test_proctor_actions import candidate_channel, next_of, room_console, start

    attempt = await sync_to_async(start)(personas)
    page = await candidate_channel(attempt, personas.carol.user)
    await page.send_json_to({"type": "view", "view": 3, "connected": True})
    assert (await page.receive_json_from(timeout=5)) == {"type": "error", "code": "bad_view"}
    assert not await sync_to_async(ViewState.objects.filter(view=3).exists)()
    await page.disconnect()

    await sync_to_async(require_screen)(personas)
    console = await room_console(personas.room_a.pk, personas.paula)
    page = await candidate_channel(attempt, personas.carol.user)
    # The page is the share's only witness: it reports the share stopped and shared again.
    await page.send_json_to({"type": "view", "view": 3, "connected": False})
    lost = await next_of(console, "alert.changed")
    assert lost["alert"]["kind"] == "screen_share_stopped"
    assert lost["alert"]["status"] == "open"
    await page.send_json_to({"type": "view", "view": 3, "connected": True})
    back = await next_of(console, "alert.changed")
    assert back["alert"]["status"] == "closed"
    state = await sync_to_async(ViewState.objects.get)(attempt=attempt, view=3)
    assert state.connected is True
    await page.disconnect()
    await console.disconnect()
