"""Recordings (R-PROC-6): the recorder's upload endpoint (who may upload, what is stored, retries
stored once, the grace window after the attempt ends), the segment download and the review page
(who may watch), and the retention purge."""

from __future__ import annotations

import datetime as dt
import io
import time
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from exams import services
from exams.models import Attempt, Registration
from proctoring import recordings, tasks
from proctoring.models import Alert, AlertKind, PhonePairing, RecordingSegment, Severity
from proctoring.pairing import SESSION_PAIRING
from tests.conftest import candidate_client
from tests.personas import PASSWORD, Personas, answering

pytestmark = pytest.mark.django_db


@cache
def webm(seconds: float = 1.0) -> bytes:
    """A real VP8 WebM, like one segment of MediaRecorder (made with PyAV, 15 fps)."""
    out = io.BytesIO()
    with av.open(out, "w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=15)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i in range(int(seconds * 15)):
            pixels = np.full((120, 160, 3), (i * 8) % 255, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 15)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def url(attempt: Attempt, view: int = 1) -> str:
    return f"/proctor/recordings/{attempt.pk}/{view}/"


def params(seq: int, *, client_id: str = "", age_ms: int = 12000, duration_ms: int = 10000) -> str:
    sent = int(time.time() * 1000) + 3_600_000  # the browser's clock runs an hour fast
    client_id = client_id or f"segment-{seq:04d}"
    return (
        f"?seq={seq}&id={client_id}&started_at={sent - age_ms}&sent_at={sent}"
        f"&duration_ms={duration_ms}"
    )


def post(client: Client, attempt: Attempt, seq: int, body: bytes | None = None, **kw: Any) -> Any:
    view = kw.pop("view", 1)
    return client.post(
        url(attempt, view) + params(seq, **kw),
        data=webm() if body is None else body,
        content_type="video/webm",
    )


def staff_client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def start(personas: Personas, who: str = "carol") -> Attempt:
    registration = Registration.objects.get(exam=personas.formal, candidate=getattr(personas, who))
    return answering(registration)


def test_a_candidate_uploads_a_segment_of_their_own_camera(personas: Personas) -> None:
    attempt = start(personas)
    client = candidate_client(personas)
    assert client.get(url(attempt)).json() == {"next_seq": 0}

    before = timezone.now()
    response = post(client, attempt, 0)

    assert response.status_code == 201, response.content
    assert response.json()["stored"] is True
    segment = RecordingSegment.objects.get(attempt=attempt, view=1, seq=0)
    assert segment.size == len(webm())
    assert segment.duration_ms == 10000
    # The browser's clock was an hour off: the start is on the server's clock, now minus its age.
    assert (
        before - dt.timedelta(seconds=13) < segment.started_at < before - dt.timedelta(seconds=11)
    )
    with segment.file.open("rb") as stored:
        assert stored.read() == webm()
    # The name cannot be guessed from the attempt and the seq alone.
    name = Path(segment.file.name).name
    assert name.startswith("000000-") and len(name) > 30
    assert client.get(url(attempt)).json() == {"next_seq": 1}


def test_a_segment_sent_twice_is_stored_once(personas: Personas) -> None:
    attempt = start(personas)
    client = candidate_client(personas)
    assert post(client, attempt, 3).status_code == 201

    again = post(client, attempt, 3)

    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert RecordingSegment.objects.filter(attempt=attempt).count() == 1
    files = list((Path(settings.MEDIA_ROOT) / "proctoring/recordings").rglob("*.webm"))
    assert len(files) == 1


def test_another_segment_with_a_taken_number_is_told_the_next_free_one(personas: Personas) -> None:
    attempt = start(personas)
    client = candidate_client(personas)
    post(client, attempt, 0, client_id="first-browser")
    post(client, attempt, 1, client_id="first-browser-2")

    response = post(client, attempt, 1, client_id="second-browser")

    assert response.status_code == 409
    assert response.json()["code"] == "seq_taken"
    assert response.json()["next_seq"] == 2
    assert post(client, attempt, 2, client_id="second-browser").status_code == 201


@pytest.mark.parametrize("who", ["dave", "paula", "sam", "oscar", "anonymous"])
def test_nobody_but_the_candidate_uploads_view_one(personas: Personas, who: str) -> None:
    attempt = start(personas)
    if who == "dave":
        start(personas, "dave")
        client = candidate_client(personas, "dave")
    elif who == "anonymous":
        client = Client()
    else:
        client = staff_client(who)

    response = post(client, attempt, 0)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get(url(attempt)).status_code == 404
    assert not RecordingSegment.objects.exists()


def test_a_candidate_cannot_upload_the_phone_view_without_the_phone(personas: Personas) -> None:
    attempt = start(personas)
    response = post(candidate_client(personas), attempt, 0, view=2)
    assert response.status_code == 404
    # View 3 is the shared screen, refused where the exam does not record it (tests of it in
    # tests/test_screen_share.py); there is no view beyond it.
    assert post(candidate_client(personas), attempt, 0, view=3).status_code == 403
    assert post(candidate_client(personas), attempt, 0, view=4).status_code == 404


def test_uploads_need_the_csrf_token(personas: Personas) -> None:
    attempt = start(personas)
    client = candidate_client(personas)
    client.handler.enforce_csrf_checks = True

    assert post(client, attempt, 0).status_code == 403

    client.get("/exam/answer/")  # a page sets the CSRF cookie, as the exam page does
    token = client.cookies["csrftoken"].value
    response = client.post(
        url(attempt) + params(0),
        data=webm(),
        content_type="video/webm",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201


def test_content_that_is_not_webm_is_refused(personas: Personas) -> None:
    attempt = start(personas)
    response = post(candidate_client(personas), attempt, 0, body=b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    assert response.status_code == 400
    assert response.json()["code"] == "not_webm"
    assert not RecordingSegment.objects.exists()


def test_a_segment_over_the_size_limit_is_refused(personas: Personas, settings: Any) -> None:
    settings.RECORDING_SEGMENT_MAX_BYTES = 1000
    attempt = start(personas)
    response = post(candidate_client(personas), attempt, 0)
    assert response.status_code == 413
    assert response.json() == {
        "code": "too_large",
        "message": response.json()["message"],
        "limit": 1000,
    }
    assert not RecordingSegment.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "?id=segment-0001&started_at=1&sent_at=20000&duration_ms=10000",  # no seq
        "?seq=-1&id=segment-0001&started_at=1&sent_at=20000&duration_ms=10000",
        "?seq=x&id=segment-0001&started_at=1&sent_at=20000&duration_ms=10000",
        "?seq=1&id=<script>&started_at=1&sent_at=20000&duration_ms=10000",
        "?seq=1&id=segment-0001&started_at=1&sent_at=20000&duration_ms=0",
        "?seq=1&id=segment-0001&started_at=1&sent_at=20000&duration_ms=99999999",
        # sent before it ended
        "?seq=1&id=segment-0001&started_at=10000&sent_at=12000&duration_ms=10000",
    ],
)
def test_a_malformed_description_is_refused(personas: Personas, query: str) -> None:
    attempt = start(personas)
    response = candidate_client(personas).post(
        url(attempt) + query, data=webm(), content_type="video/webm"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert response.json()["message"]


def test_a_segment_older_than_the_attempt_is_refused(personas: Personas) -> None:
    attempt = start(personas)
    response = post(candidate_client(personas), attempt, 0, age_ms=3600 * 1000)
    assert response.status_code == 400


def test_uploads_are_rate_limited(personas: Personas, settings: Any) -> None:
    settings.RECORDING_UPLOADS_PER_MINUTE = 2
    attempt = start(personas)
    client = candidate_client(personas)
    assert post(client, attempt, 0).status_code == 201
    assert post(client, attempt, 1).status_code == 201
    response = post(client, attempt, 2)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


def _finish(attempt: Attempt, minutes_ago: float) -> None:
    services.submit(attempt, reason="timeout")
    AuditEntry.objects.filter(
        target_type="exams.attempt", target_id=str(attempt.pk), action="attempt.submitted"
    ).update(at=timezone.now() - dt.timedelta(minutes=minutes_ago))


def test_the_last_segments_arrive_after_submission_until_the_grace_window_ends(
    personas: Personas, settings: Any
) -> None:
    settings.RECORDING_UPLOAD_GRACE_SECONDS = 600
    attempt = start(personas)
    client = candidate_client(personas)
    _finish(attempt, minutes_ago=2)

    assert post(client, attempt, 0).status_code == 201

    AuditEntry.objects.filter(target_id=str(attempt.pk), action="attempt.submitted").update(
        at=timezone.now() - dt.timedelta(minutes=11)
    )
    response = post(client, attempt, 1)
    assert response.status_code == 410
    assert response.json()["code"] == "finished"
    assert RecordingSegment.objects.filter(attempt=attempt).count() == 1


def _pair_phone(attempt: Attempt) -> Client:
    """A phone's browser paired to ``attempt`` (the state ``pairing.consume`` leaves)."""
    now = timezone.now()
    pairing = PhonePairing.objects.create(
        attempt=attempt,
        token_hash="0" * 64,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=5),
        used_at=now,
    )
    phone = Client()
    session = phone.session
    session[SESSION_PAIRING] = pairing.pk
    session.save()
    assert session.session_key
    phone.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return phone


def test_the_paired_phone_uploads_view_two_and_only_view_two(personas: Personas) -> None:
    attempt = start(personas)
    phone = _pair_phone(attempt)

    assert post(phone, attempt, 0, view=2).status_code == 201
    assert RecordingSegment.objects.get(attempt=attempt).view == 2
    # Not the computer's view, not another attempt.
    assert post(phone, attempt, 0, view=1).status_code == 404
    dave_attempt = start(personas, "dave")
    assert post(phone, dave_attempt, 0, view=2).status_code == 404

    # After submission the phone's last segments still arrive within the grace window...
    _finish(attempt, minutes_ago=1)
    assert post(phone, attempt, 1, view=2).status_code == 201
    # ...but a phone replaced by another one no longer uploads.
    PhonePairing.objects.update(superseded_at=timezone.now())
    assert post(phone, attempt, 2, view=2).status_code == 404


def _segment(attempt: Attempt, view: int, seq: int, start: dt.datetime, seconds: int = 10) -> Any:
    row, created = recordings.store_segment(
        attempt,
        view,
        recordings.SegmentIn(
            seq=seq,
            client_id=f"seg-{view}-{seq:04d}",
            started_at_ms=0,
            sent_at_ms=int((timezone.now() - start).total_seconds() * 1000),
            duration_ms=seconds * 1000,
        ),
        webm(),
    )
    assert created
    return row


@pytest.mark.parametrize(("who", "status"), [("paula", 200), ("sam", 200), ("oscar", 200)])
def test_staff_of_the_room_play_a_segment(personas: Personas, who: str, status: int) -> None:
    attempt = start(personas)
    segment = _segment(attempt, 1, 0, timezone.now() - dt.timedelta(seconds=20))
    client = staff_client(who)

    response = client.get(f"/proctor/recordings/segments/{segment.pk}/")
    assert response.status_code == status
    assert response["Content-Type"] == "video/webm"
    assert response["Accept-Ranges"] == "bytes"
    assert b"".join(cast(Any, response).streaming_content) == webm()

    ranged = client.get(
        f"/proctor/recordings/segments/{segment.pk}/", headers={"Range": "bytes=4-"}
    )
    assert ranged.status_code == 206
    assert ranged["Content-Range"] == f"bytes 4-{len(webm()) - 1}/{len(webm())}"
    assert ranged.content == webm()[4:]
    tail = client.get(f"/proctor/recordings/segments/{segment.pk}/", headers={"Range": "bytes=-10"})
    assert tail.content == webm()[-10:]
    beyond = client.get(
        f"/proctor/recordings/segments/{segment.pk}/", headers={"Range": "bytes=999999-"}
    )
    assert beyond.status_code == 416


@pytest.mark.parametrize(("who", "status"), [("pete", 404), ("olga", 404), ("ingrid", 403)])
def test_other_staff_cannot_play_a_segment(personas: Personas, who: str, status: int) -> None:
    attempt = start(personas)
    segment = _segment(attempt, 1, 0, timezone.now() - dt.timedelta(seconds=20))
    response = staff_client(who).get(f"/proctor/recordings/segments/{segment.pk}/")
    assert response.status_code == status


def test_candidates_cannot_play_segments(personas: Personas) -> None:
    attempt = start(personas)
    segment = _segment(attempt, 1, 0, timezone.now() - dt.timedelta(seconds=20))
    response = candidate_client(personas).get(f"/proctor/recordings/segments/{segment.pk}/")
    assert response.status_code == 403


def test_the_review_page_shows_both_views_alerts_and_gaps(personas: Personas) -> None:
    attempt = start(personas)
    t0 = timezone.now() - dt.timedelta(seconds=90)
    _segment(attempt, 1, 0, t0)
    _segment(attempt, 1, 1, t0 + dt.timedelta(seconds=10))
    _segment(attempt, 1, 2, t0 + dt.timedelta(seconds=40))  # 20 s lost to a dropped network
    _segment(attempt, 2, 0, t0 + dt.timedelta(seconds=5))
    Alert.objects.create(
        attempt=attempt,
        kind=AlertKind.DEVICE,
        severity=Severity.HIGH,
        opened_at=t0 + dt.timedelta(seconds=12),
        last_seen_at=t0 + dt.timedelta(seconds=18),
    )

    response = staff_client("paula").get(f"/proctor/attempts/{attempt.pk}/review/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Carol" in page
    assert "电子设备" in page or "Electronic device" in page
    timeline = response.context["timeline"]
    view1 = timeline["views"]["1"]
    assert [s["seq"] for s in view1["segments"]] == [0, 1, 2]
    assert len(view1["gaps"]) == 1
    gap = view1["gaps"][0]
    assert abs(gap["end"] - gap["start"] - 20000) < 50
    assert [s["seq"] for s in timeline["views"]["2"]["segments"]] == [0]
    assert timeline["alerts"][0]["kind"] == "device"
    assert timeline["start"] <= view1["segments"][0]["start"]
    assert 'id="review-data"' in page


@pytest.mark.parametrize(("who", "status"), [("pete", 404), ("olga", 404), ("ingrid", 403)])
def test_the_review_page_is_for_staff_of_the_room_only(
    personas: Personas, who: str, status: int
) -> None:
    attempt = start(personas)
    response = staff_client(who).get(f"/proctor/attempts/{attempt.pk}/review/")
    assert response.status_code == status
    carol = candidate_client(personas)
    assert carol.get(f"/proctor/attempts/{attempt.pk}/review/").status_code == 403


def test_recordings_past_retention_are_purged_with_their_files(
    personas: Personas, settings: Any
) -> None:
    settings.RECORDING_RETENTION_DAYS = 180
    attempt = start(personas)
    old = _segment(attempt, 1, 0, timezone.now() - dt.timedelta(seconds=30))
    new = _segment(attempt, 1, 1, timezone.now() - dt.timedelta(seconds=20))
    RecordingSegment.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=181)
    )
    old_path = Path(old.file.path)
    assert old_path.exists()

    assert tasks.purge_recordings() == 1

    assert not old_path.exists()
    assert list(RecordingSegment.objects.values_list("pk", flat=True)) == [new.pk]
    assert Path(new.file.path).exists()
    assert "purge-recordings" in settings.CELERY_BEAT_SCHEDULE


def test_the_answer_page_records_with_the_settings_and_the_result_page_sends_the_rest(
    personas: Personas, settings: Any
) -> None:
    settings.RECORDING_SEGMENT_SECONDS = 7
    settings.RECORDING_VIDEO_BITS_PER_SECOND = 300_000
    attempt = start(personas)
    client = candidate_client(personas)

    page = client.get("/exam/answer/").content.decode()

    assert f'data-recording-url="/proctor/recordings/{attempt.pk}/1/"' in page
    assert 'data-segment-seconds="7"' in page
    assert 'data-video-bits-per-second="300000"' in page
    services.submit(attempt, reason="timeout")
    result = client.get(f"/exam/attempts/{attempt.pk}/result/").content.decode()
    assert "js/recorder.js" in result
