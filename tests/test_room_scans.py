"""The room scan before answering (issue #13 §4): the exam option and its check, the flow's step,
the phone's upload (only the paired phone of that attempt, only between the phone's stream and
answering, long enough, WebM), the review page's players and the purge with the recordings."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any, cast

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from exams import services
from exams.models import Attempt, Exam, Registration
from exams.statuses import AttemptStatus
from proctoring import pairing, tasks
from proctoring.models import RoomScan
from tests import exam_setup_helpers as setup
from tests.conftest import candidate_client
from tests.personas import PASSWORD, Personas
from tests.test_recordings import _pair_phone, webm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.ROOM_SCAN_MIN_SECONDS = 3
    settings.ROOM_SCAN_MAX_SECONDS = 8


def _room_scan_exam(personas: Personas, **changes: Any) -> Exam:
    Exam.objects.filter(pk=personas.formal.pk).update(
        requires_second_view=True, requires_room_scan=True, **changes
    )
    return Exam.objects.get(pk=personas.formal.pk)


def at_room_scan(personas: Personas, who: str = "carol") -> Attempt:
    """The candidate's attempt with the phone streaming: the flow waits for the room scan."""
    registration = Registration.objects.get(exam=personas.formal, candidate=getattr(personas, who))
    attempt = services.open_attempt(registration)
    services.confirm_information(attempt)
    services.answer_commitment(attempt, accepted=True, text="I promise.")
    assert pairing.view_two_connected(attempt.pk)  # what the media process calls
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SECOND_VIEW_CONNECTED
    assert services.next_step(attempt) == AttemptStatus.ROOM_SCANNED
    return attempt


def url(attempt: Attempt) -> str:
    return f"/proctor/room-scans/{attempt.pk}/"


def post(
    client: Client,
    attempt: Attempt,
    *,
    seq: int = 0,
    client_id: str = "scan-0001",
    duration_ms: int = 5000,
    body: bytes | None = None,
) -> Any:
    sent = int(time.time() * 1000)
    query = (
        f"?seq={seq}&id={client_id}&started_at={sent - duration_ms - 500}&sent_at={sent}"
        f"&duration_ms={duration_ms}"
    )
    return client.post(
        url(attempt) + query, data=webm() if body is None else body, content_type="video/webm"
    )


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_the_paired_phone_sends_the_scan_and_the_flow_goes_on(
    personas: Personas, tmp_path: Path
) -> None:
    _room_scan_exam(personas)
    attempt = at_room_scan(personas)
    carol = candidate_client(personas)
    # The computer shows the room-scan step and waits.
    assert carol.get("/exam/")["Location"] == "/exam/room-scan/"
    page = carol.get("/exam/room-scan/").content.decode()
    assert 'id="room-scan-step"' in page
    assert 'id="phone-pairing"' in page  # a closed phone page can be paired again from here
    status = carol.get(f"/phone/attempts/{attempt.pk}/room-scan/").json()
    assert status["done"] is False and status["scans"] == 0

    phone = _pair_phone(attempt)
    phone_page = phone.get("/phone/").content.decode()
    assert 'id="room-scan"' in phone_page and "开始环境扫描" in phone_page
    state = phone.get(url(attempt)).json()
    assert state["accepting"] is True and state["next_seq"] == 0 and state["min_seconds"] == 3
    response = post(phone, attempt)

    assert response.status_code == 201, response.content
    scan = RoomScan.objects.get(attempt=attempt)
    assert scan.duration_ms == 5000 and scan.size == len(webm())
    with scan.file.open("rb") as stored:
        assert stored.read() == webm()
    name = Path(scan.file.name).name
    assert name.startswith("0000-") and len(name) > 25  # not guessable from the attempt
    assert AuditEntry.objects.filter(action="attempt.room_scan", target_id=str(attempt.pk)).exists()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.ANSWERING  # the exam is open: on to the paper
    status = carol.get(f"/phone/attempts/{attempt.pk}/room-scan/").json()
    assert status == {"done": True, "scans": 1, "next_url": "/exam/"}

    # The same upload again (a retry whose answer was lost) is stored once.
    again = post(phone, attempt)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert RoomScan.objects.count() == 1 and len(stored_files(tmp_path)) == 1
    # Once answering has started, no new scan is taken.
    late = post(phone, attempt, seq=1, client_id="scan-0002")
    assert late.status_code == 410 and late.json()["code"] == "closed"
    assert RoomScan.objects.count() == 1


def test_the_candidate_may_scan_again_until_the_exam_starts(personas: Personas) -> None:
    exam = _room_scan_exam(personas, opens_at=timezone.now() + dt.timedelta(minutes=10))
    attempt = at_room_scan(personas)
    phone = _pair_phone(attempt)
    assert post(phone, attempt).status_code == 201
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.WAITING
    second = post(phone, attempt, seq=1, client_id="scan-0002")
    assert second.status_code == 201
    assert list(RoomScan.objects.values_list("seq", flat=True)) == [0, 1]
    # Another scan with a number already taken is told the next free one.
    taken = post(phone, attempt, seq=1, client_id="scan-0003")
    assert taken.status_code == 409 and taken.json()["next_seq"] == 2

    Exam.objects.filter(pk=exam.pk).update(opens_at=timezone.now() - dt.timedelta(minutes=1))
    attempt = Attempt.objects.select_related("registration__exam").get(pk=attempt.pk)
    services.advance(attempt)
    assert attempt.status == AttemptStatus.ANSWERING
    assert post(phone, attempt, seq=2, client_id="scan-0004").status_code == 410
    assert RoomScan.objects.count() == 2


def test_the_information_step_tells_the_candidate_of_the_scan(personas: Personas) -> None:
    _room_scan_exam(personas)
    carol = candidate_client(personas)
    assert carol.get("/exam/")["Location"] == "/exam/info/"
    page = carol.get("/exam/info/").content.decode()
    assert "展示所在房间" in page and "至少 3 秒" in page
    Exam.objects.filter(pk=personas.formal.pk).update(requires_room_scan=False)
    assert "展示所在房间" not in carol.get("/exam/info/").content.decode()


def test_a_scan_too_short_is_refused_and_nothing_changes(
    personas: Personas, tmp_path: Path
) -> None:
    _room_scan_exam(personas)
    attempt = at_room_scan(personas)
    phone = _pair_phone(attempt)

    response = post(phone, attempt, duration_ms=2000)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "too_short" and "至少 3 秒" in body["message"]
    assert not RoomScan.objects.exists() and not stored_files(tmp_path)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SECOND_VIEW_CONNECTED
    assert not AuditEntry.objects.filter(action="attempt.room_scan").exists()


@pytest.mark.parametrize(
    ("body", "duration_ms", "code", "status"),
    [
        (b"RIFF....AVI LIST", 5000, "not_webm", 400),
        (None, 20000, "too_long", 400),
    ],
)
def test_a_scan_that_is_not_a_webm_or_too_long_is_refused(
    personas: Personas, tmp_path: Path, body: bytes | None, duration_ms: int, code: str, status: int
) -> None:
    _room_scan_exam(personas)
    attempt = at_room_scan(personas)
    response = post(_pair_phone(attempt), attempt, body=body, duration_ms=duration_ms)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["message"]
    assert not RoomScan.objects.exists() and not stored_files(tmp_path)


def test_a_scan_over_the_size_limit_is_refused(personas: Personas, settings: Any) -> None:
    settings.ROOM_SCAN_MAX_BYTES = 1000
    _room_scan_exam(personas)
    attempt = at_room_scan(personas)
    response = post(_pair_phone(attempt), attempt, body=webm() + b"\0" * 1000)
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert not RoomScan.objects.exists()


def test_only_the_phone_paired_to_the_attempt_uploads(personas: Personas, tmp_path: Path) -> None:
    _room_scan_exam(personas)
    carol_attempt = at_room_scan(personas)
    dave_attempt = at_room_scan(personas, "dave")
    carols_phone = _pair_phone(carol_attempt)

    # Carol's phone, for Dave's attempt: refused, and Dave's flow does not move.
    response = post(carols_phone, dave_attempt)
    assert response.status_code == 403
    assert response.json()["code"] == "not_paired" and response.json()["message"]
    assert carols_phone.get(url(dave_attempt)).status_code == 403
    # A browser that was never paired, and the candidate's own computer.
    assert post(Client(), carol_attempt).status_code == 403
    assert post(candidate_client(personas), carol_attempt).status_code == 403
    assert not RoomScan.objects.exists() and not stored_files(tmp_path)
    for attempt in (carol_attempt, dave_attempt):
        attempt.refresh_from_db()
        assert attempt.status == AttemptStatus.SECOND_VIEW_CONNECTED


def test_a_replayed_pairing_link_pairs_nothing_and_uploads_nothing(personas: Personas) -> None:
    exam = _room_scan_exam(personas)
    registration = Registration.objects.get(exam=exam, candidate=personas.carol)
    attempt = services.open_attempt(registration)
    services.confirm_information(attempt)
    services.answer_commitment(attempt, accepted=True, text="I promise.")
    issued = pairing.issue(attempt)
    phone, replay = Client(), Client()
    assert phone.get(f"/phone/{issued.token}/").status_code == 302
    assert pairing.view_two_connected(attempt.pk)

    refused = replay.get(f"/phone/{issued.token}/")
    assert refused.status_code == 410
    assert post(replay, attempt).status_code == 403
    assert not RoomScan.objects.exists()
    # The phone the link paired first still sends its scan.
    assert post(phone, attempt).status_code == 201


def test_a_scan_before_the_phone_streams_or_for_an_exam_without_one_is_refused(
    personas: Personas,
) -> None:
    exam = _room_scan_exam(personas)
    registration = Registration.objects.get(exam=exam, candidate=personas.carol)
    attempt = services.open_attempt(registration)
    services.confirm_information(attempt)
    services.answer_commitment(attempt, accepted=True, text="I promise.")
    phone = _pair_phone(attempt)
    assert phone.get(url(attempt)).json()["accepting"] is False
    early = post(phone, attempt)
    assert early.status_code == 410 and early.json()["code"] == "closed"

    Exam.objects.filter(pk=exam.pk).update(requires_room_scan=False)
    assert 'id="room-scan"' not in phone.get("/phone/").content.decode()
    assert pairing.view_two_connected(attempt.pk)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.ANSWERING  # no room-scan step without the option
    assert post(phone, attempt).status_code == 410
    assert not RoomScan.objects.exists()


def _staff(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_review_page_plays_the_scan_for_staff_of_the_room(personas: Personas) -> None:
    _room_scan_exam(personas)
    attempt = at_room_scan(personas)
    assert post(_pair_phone(attempt), attempt).status_code == 201
    scan = RoomScan.objects.get()
    paula = _staff("paula")

    page = paula.get(f"/proctor/attempts/{attempt.pk}/review/").content.decode()
    assert 'id="room-scans"' in page
    assert f'src="/proctor/room-scans/files/{scan.pk}/"' in page
    assert "5" in page.split('id="room-scans"')[1].split("</figcaption>")[0]

    whole = paula.get(f"/proctor/room-scans/files/{scan.pk}/")
    assert whole.status_code == 200 and whole["Content-Type"] == "video/webm"
    assert b"".join(cast(Any, whole).streaming_content) == webm()
    part = paula.get(f"/proctor/room-scans/files/{scan.pk}/", HTTP_RANGE="bytes=0-3")
    assert part.status_code == 206 and part.content == b"\x1a\x45\xdf\xa3"
    # Staff of another room, and the candidate, do not see it.
    assert _staff("pete").get(f"/proctor/room-scans/files/{scan.pk}/").status_code == 404
    carol = candidate_client(personas)
    assert carol.get(f"/proctor/room-scans/files/{scan.pk}/").status_code == 403


def test_the_review_page_says_when_a_required_scan_is_missing(personas: Personas) -> None:
    _room_scan_exam(personas)
    attempt = at_room_scan(personas)
    page = _staff("paula").get(f"/proctor/attempts/{attempt.pk}/review/").content.decode()
    assert 'id="room-scans"' in page and '<video class="review-room-scan-video"' not in page


def test_scans_past_retention_are_purged_with_the_recordings(
    personas: Personas, settings: Any
) -> None:
    settings.RECORDING_RETENTION_DAYS = 180
    _room_scan_exam(personas, opens_at=timezone.now() + dt.timedelta(minutes=10))
    attempt = at_room_scan(personas)
    phone = _pair_phone(attempt)
    assert post(phone, attempt).status_code == 201
    assert post(phone, attempt, seq=1, client_id="scan-0002").status_code == 201
    old, new = RoomScan.objects.order_by("seq")
    RoomScan.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=181))
    old_path, new_path = Path(old.file.path), Path(new.file.path)
    assert old_path.exists()

    assert tasks.purge_recordings() == 1

    assert not old_path.exists() and new_path.exists()
    assert list(RoomScan.objects.values_list("pk", flat=True)) == [new.pk]


def test_the_settings_page_takes_the_room_scan_only_with_the_phone(personas: Personas) -> None:
    oscar = setup.signed_in("oscar")
    exam = personas.formal
    refused = oscar.post(f"/exam/manage/{exam.pk}/", setup.form_of(exam, requires_room_scan=True))
    assert refused.status_code == 400
    errors = refused.context["form"].errors["requires_room_scan"]
    assert errors and errors[0] in refused.content.decode()
    exam.refresh_from_db()
    assert not exam.requires_room_scan

    taken = oscar.post(
        f"/exam/manage/{exam.pk}/",
        setup.form_of(exam, requires_room_scan=True, requires_second_view=True),
    )
    assert taken.status_code == 302, taken.content.decode()
    exam.refresh_from_db()
    assert exam.requires_room_scan and exam.requires_second_view
