"""What proctors do during an exam (R-PROC-5, R-PROC-7), end to end through the views, the real
Redis channel layer and the candidate's own channel (``/ws/attempts/<id>/``): warnings with read
receipts, room broadcasts, violations, screenshots, alert decisions, ending an exam; and who may
do each (a proctor of another room may not, a candidate may not join another's channel)."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from audit.models import AuditEntry
from exams import services
from exams.models import Attempt, Registration
from proctoring import alert_events, alerts, events, view_states
from proctoring.models import (
    Alert,
    AlertKind,
    EvidenceFrame,
    ProctorMessage,
    ProctorScreenshot,
    ViewState,
    Violation,
)
from questionbank.models import Question
from tests.personas import Personas, answering
from tests.sockets import socket_to

pytestmark = pytest.mark.django_db(transaction=True)


# --- Helpers ----------------------------------------------------------------------------------


async def candidate_channel(attempt: Attempt, user: Any) -> WebsocketCommunicator:
    socket = await socket_to(f"/ws/attempts/{attempt.pk}/", user)
    connected, code = await socket.connect()
    assert connected, code
    return socket


async def room_console(room_id: int, user: Any) -> WebsocketCommunicator:
    socket = await socket_to(f"/ws/proctor/rooms/{room_id}/", user)
    connected, _ = await socket.connect()
    assert connected
    snapshot = await socket.receive_json_from(timeout=5)
    assert snapshot["type"] == "room.snapshot"
    return socket


async def next_of(socket: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    """The next message of ``kind`` (others, such as attempt.changed, are passed over)."""
    while True:
        message = await socket.receive_json_from(timeout=5)
        if message["type"] == kind:
            return message


async def both(socket: WebsocketCommunicator, *kinds: str) -> dict[str, dict[str, Any]]:
    """The next message of each of ``kinds``, in whatever order they come."""
    found: dict[str, dict[str, Any]] = {}
    while set(kinds) - set(found):
        message = await socket.receive_json_from(timeout=5)
        if message["type"] in kinds:
            found[message["type"]] = message
    return found


def start(personas: Personas, who: str = "carol") -> Attempt:
    registration = Registration.objects.get(exam=personas.formal, candidate=getattr(personas, who))
    return answering(registration)


def staff_client(user: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/proctor/")  # sets the CSRF cookie
    return client


def post(client: Client, path: str, data: dict[str, Any]) -> Any:
    """A POST as the console sends it: with the CSRF token in the X-CSRFToken header."""
    token = client.cookies["csrftoken"].value
    return client.post(path, data, HTTP_X_CSRFTOKEN=token)


def jpeg_upload(size: tuple[int, int] = (160, 120), fmt: str = "JPEG") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 90, 160)).save(out, fmt)
    name = "shot.jpg" if fmt == "JPEG" else "shot.png"
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


# --- The candidate's channel: who may join -----------------------------------------------------


async def test_a_candidate_joins_only_their_own_live_attempts_channel(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    for user in (personas.dave.user, personas.paula, personas.oscar, None):
        socket = await socket_to(f"/ws/attempts/{attempt.pk}/", user)
        connected, code = await socket.connect()
        assert not connected and code == 4403, user
    socket = await candidate_channel(attempt, personas.carol.user)
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=5))["type"] == "pong"
    await socket.disconnect()

    await sync_to_async(services.submit)(attempt)
    socket = await socket_to(f"/ws/attempts/{attempt.pk}/", personas.carol.user)
    connected, code = await socket.connect()
    assert not connected and code == 4403  # a submitted attempt has no live channel


async def test_malformed_messages_are_refused_and_a_flood_closes_the_channel(
    personas: Personas,
) -> None:
    attempt = await sync_to_async(start)(personas)
    socket = await candidate_channel(attempt, personas.carol.user)
    for raw, code in [
        ("{not json", "bad_json"),
        (json.dumps(["list"]), "unknown_type"),
        (json.dumps({"type": "read", "id": "1"}), "bad_id"),
        (json.dumps({"type": "read", "id": True}), "bad_id"),
        (json.dumps({"type": "view", "view": 2, "connected": True}), "bad_view"),
        (json.dumps({"type": "view", "view": 1, "connected": "yes"}), "bad_state"),
        ("x" * 5000, "bad_json"),
    ]:
        await socket.send_to(text_data=raw)
        assert (await socket.receive_json_from(timeout=5))["code"] == code, raw
    for _ in range(40):
        await socket.send_json_to({"type": "ping"})
    while True:
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            assert output["code"] == 4429
            break


# --- Warnings, read receipts, broadcasts -------------------------------------------------------


async def test_a_warning_reaches_the_candidate_and_the_read_receipt_reaches_the_proctors(
    personas: Personas,
) -> None:
    attempt = await sync_to_async(start)(personas)
    page = await candidate_channel(attempt, personas.carol.user)
    console = await room_console(personas.room_a.pk, personas.sam)  # another staff member's view
    client = await sync_to_async(staff_client)(personas.paula)

    text = "请把手机放到 <b>桌子</b> 外面"
    response = await sync_to_async(post)(
        client, f"/proctor/attempts/{attempt.pk}/warnings/", {"text": text}
    )
    assert response.status_code == 200, response.content
    sent = response.json()["message"]
    warning = await page.receive_json_from(timeout=5)
    assert warning == {"type": "warning", "id": sent["id"], "text": text, "kind": "warning"}
    changed = await next_of(console, "message.changed")
    assert changed["message"]["read_at"] is None and changed["message"]["text"] == text

    await page.send_json_to({"type": "read", "id": sent["id"]})
    changed = await next_of(console, "message.changed")
    assert changed["message"]["id"] == sent["id"] and changed["message"]["read_at"]
    message = await sync_to_async(ProctorMessage.objects.get)(pk=sent["id"])
    assert message.read_at is not None and message.sender_id == personas.paula.pk
    assert await sync_to_async(
        AuditEntry.objects.filter(action="proctor.warning", actor=personas.paula).exists
    )()
    await page.disconnect()
    await console.disconnect()


async def test_a_page_cannot_mark_another_attempts_line_read(personas: Personas) -> None:
    carols = await sync_to_async(start)(personas)
    daves = await sync_to_async(start)(personas, "dave")
    line = await sync_to_async(ProctorMessage.objects.create)(
        attempt=daves, kind="warning", text="x", sent_at=timezone.now()
    )
    page = await candidate_channel(carols, personas.carol.user)
    await page.send_json_to({"type": "read", "id": line.pk})
    await page.send_json_to({"type": "ping"})
    assert (await page.receive_json_from(timeout=5))["type"] == "pong"
    await sync_to_async(line.refresh_from_db)()
    assert line.read_at is None
    await page.disconnect()


async def test_unread_lines_are_sent_again_when_the_page_reconnects(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    client = await sync_to_async(staff_client)(personas.paula)
    for text in ("one", "two"):
        response = await sync_to_async(post)(
            client, f"/proctor/attempts/{attempt.pk}/warnings/", {"text": text}
        )
        assert response.status_code == 200
    first = await sync_to_async(ProctorMessage.objects.get)(text="one")
    await sync_to_async(ProctorMessage.objects.filter(pk=first.pk).update)(read_at=timezone.now())
    page = await candidate_channel(attempt, personas.carol.user)
    warning = await page.receive_json_from(timeout=5)
    assert warning["text"] == "two"
    assert await page.receive_nothing(timeout=0.3)
    await page.disconnect()


def test_a_warning_must_be_one_short_line_and_the_exam_live(personas: Personas) -> None:
    attempt = start(personas)
    client = staff_client(personas.paula)
    path = f"/proctor/attempts/{attempt.pk}/warnings/"
    assert post(client, path, {"text": "   "}).json()["code"] == "required"
    assert post(client, path, {"text": "长" * 201}).json()["code"] == "too_long"
    assert post(client, path, {"text": "  two \n lines "}).status_code == 200
    assert ProctorMessage.objects.get().text == "two lines"
    services.submit(attempt)
    response = post(client, path, {"text": "late"})
    assert response.status_code == 400 and response.json()["code"] == "finished"


def test_messages_are_rate_limited_per_proctor(personas: Personas) -> None:
    attempt = start(personas)
    client = staff_client(personas.paula)
    path = f"/proctor/attempts/{attempt.pk}/warnings/"
    codes = [post(client, path, {"text": f"w{i}"}).status_code for i in range(32)]
    assert codes[:30] == [200] * 30 and codes[30:] == [400, 400]


async def test_a_broadcast_reaches_every_live_candidate_of_the_room_and_no_other(
    personas: Personas,
) -> None:
    carols = await sync_to_async(start)(personas)
    daves = await sync_to_async(start)(personas, "dave")  # room B
    carol = await candidate_channel(carols, personas.carol.user)
    dave = await candidate_channel(daves, personas.dave.user)
    client = await sync_to_async(staff_client)(personas.paula)
    response = await sync_to_async(post)(
        client, f"/proctor/rooms/{personas.room_a.pk}/broadcast/", {"text": "还有十五分钟"}
    )
    assert response.status_code == 200 and response.json() == {"sent": 1}
    warning = await carol.receive_json_from(timeout=5)
    assert warning["kind"] == "broadcast" and warning["text"] == "还有十五分钟"
    assert await dave.receive_nothing(timeout=0.5)
    await carol.send_json_to({"type": "read", "id": warning["id"]})
    await carol.send_json_to({"type": "ping"})
    await carol.receive_json_from(timeout=5)
    row = await sync_to_async(ProctorMessage.objects.get)(pk=warning["id"])
    assert row.read_at is not None and row.broadcast_id is not None

    # Room B is not paula's: nothing is sent, nothing said about it.
    response = await sync_to_async(post)(
        client, f"/proctor/rooms/{personas.room_b.pk}/broadcast/", {"text": "x"}
    )
    assert response.status_code == 404
    await carol.disconnect()
    await dave.disconnect()


# --- Who may act -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action, data",
    [
        ("warnings", {"text": "hello"}),
        ("violations", {"kind": "device", "note": "phone"}),
        ("end", {"reason": "cheating"}),
        ("screenshots", {"view": "1", "note": ""}),
    ],
)
def test_a_proctor_of_another_room_cannot_act_and_a_candidate_even_less(
    personas: Personas, settings: Any, tmp_path: Any, action: str, data: dict[str, Any]
) -> None:
    settings.MEDIA_ROOT = tmp_path
    attempt = start(personas)
    path = f"/proctor/attempts/{attempt.pk}/{action}/"
    if action == "screenshots":
        data = {**data, "image": jpeg_upload()}
    assert post(staff_client(personas.pete), path, data).status_code == 404
    assert post(staff_client(personas.olga), path, data).status_code == 404
    candidate = Client()
    candidate.force_login(personas.carol.user, backend="accounts.backends.CandidateSessionBackend")
    assert candidate.post(path, data).status_code == 403
    assert staff_client(personas.paula).get(path).status_code == 405
    # Without the CSRF token the action is refused even for the room's proctor.
    assert staff_client(personas.paula).post(path, data).status_code == 403
    attempt.refresh_from_db()
    assert attempt.status == "answering"
    assert not ProctorMessage.objects.exists() and not Violation.objects.exists()
    assert not EvidenceFrame.objects.exists()
    assert staff_client(personas.pete).get(f"/proctor/attempts/{attempt.pk}/").status_code == 404


# --- Violations, screenshots -------------------------------------------------------------------


async def test_a_violation_is_recorded_audited_and_shown_to_the_room(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    console = await room_console(personas.room_a.pk, personas.paula)
    client = await sync_to_async(staff_client)(personas.paula)
    path = f"/proctor/attempts/{attempt.pk}/violations/"
    bad = await sync_to_async(post)(client, path, {"kind": "nonsense"})
    assert bad.json()["code"] == "bad_kind"
    other = await sync_to_async(post)(client, path, {"kind": "other", "note": ""})
    assert other.json()["code"] == "required"  # "other" says what
    response = await sync_to_async(post)(client, path, {"kind": "device", "note": "手机在桌上"})
    assert response.status_code == 200
    event = await next_of(console, "violation.recorded")
    assert event["violation"]["kind"] == "device" and event["violation"]["note"] == "手机在桌上"
    violation = await sync_to_async(Violation.objects.get)()
    assert violation.recorded_by_id == personas.paula.pk
    detail = await sync_to_async(client.get)(f"/proctor/attempts/{attempt.pk}/")
    assert [v["kind"] for v in detail.json()["violations"]] == ["device"]
    await console.disconnect()


def test_a_screenshot_is_kept_as_evidence_with_its_note(
    personas: Personas, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    attempt = start(personas)
    client = staff_client(personas.paula)
    path = f"/proctor/attempts/{attempt.pk}/screenshots/"
    upload = jpeg_upload()
    sent = upload.read()
    upload.seek(0)
    response = post(client, path, {"view": "2", "note": "桌上有纸条", "image": upload})
    assert response.status_code == 200, response.content
    shot = ProctorScreenshot.objects.select_related("frame").get()
    assert shot.note == "桌上有纸条" and shot.taken_by_id == personas.paula.pk
    assert shot.frame.kind == EvidenceFrame.Kind.PROCTOR and shot.frame.view == 2
    assert shot.frame.image.read() == sent  # a JPEG is kept as sent
    image = client.get(response.json()["screenshot"]["url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert AuditEntry.objects.filter(action="proctor.screenshot").count() == 1

    png = post(client, path, {"view": "1", "image": jpeg_upload(fmt="PNG")})
    assert png.status_code == 200
    frame = EvidenceFrame.objects.get(view=1)
    assert frame.image.read().startswith(b"\xff\xd8\xff")  # stored as JPEG

    garbage = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff" + b"not a jpeg" * 20)
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"view": "1", "image": garbage}, "not_image"),
        ({"view": "1", "image": SimpleUploadedFile("x.gif", b"GIF89a" + b"0" * 50)}, "not_image"),
        ({"view": "3", "image": jpeg_upload()}, "bad_view"),
        ({"view": "1"}, "no_image"),
    ]
    for data, code in refusals:
        refused = post(client, path, data)
        assert refused.status_code == 400 and refused.json()["code"] == code, data
    assert EvidenceFrame.objects.count() == 2


def test_a_screenshot_above_the_size_cap_is_refused(
    personas: Personas, settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from proctoring import actions

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(actions, "SCREENSHOT_MAX_BYTES", 500)
    attempt = start(personas)
    response = post(
        staff_client(personas.paula),
        f"/proctor/attempts/{attempt.pk}/screenshots/",
        {"view": "1", "image": jpeg_upload(size=(640, 480))},
    )
    assert response.json()["code"] == "too_large"
    assert not EvidenceFrame.objects.exists()


# --- Alert decisions ---------------------------------------------------------------------------


async def test_a_proctor_dismisses_an_alert_once_and_the_decision_is_recorded(
    personas: Personas,
) -> None:
    attempt = await sync_to_async(start)(personas)
    alert = await sync_to_async(alerts.raise_or_extend)(
        attempt, AlertKind.DEVICE, view=1, at=timezone.now(), confidence=0.8, detail={}
    )
    console = await room_console(personas.room_a.pk, personas.sam)
    client = await sync_to_async(staff_client)(personas.paula)
    path = f"/proctor/alerts/{alert.pk}/decision/"
    assert (await sync_to_async(post)(client, path, {"decision": "maybe"})).status_code == 400
    pete = await sync_to_async(staff_client)(personas.pete)
    assert (await sync_to_async(post)(pete, path, {"decision": "dismissed"})).status_code == 404
    response = await sync_to_async(post)(
        client, path, {"decision": "dismissed", "note": "是计算器，允许使用"}
    )
    assert response.status_code == 200, response.content
    event = await next_of(console, "alert.changed")
    assert event["alert"]["decision"] == "dismissed" and event["alert"]["status"] == "closed"
    await sync_to_async(alert.refresh_from_db)()
    assert alert.decided_by_id == personas.paula.pk and alert.decision_note == "是计算器，允许使用"
    assert alert.status == "closed" and alert.decided_at is not None
    assert await sync_to_async(
        AuditEntry.objects.filter(action="alert.dismissed", actor=personas.paula).exists
    )()
    again = await sync_to_async(post)(client, path, {"decision": "confirmed"})
    assert again.status_code == 400 and again.json()["code"] == "decided"
    await console.disconnect()


def test_the_snapshot_lists_undecided_alerts_and_view_states(personas: Personas) -> None:
    attempt = start(personas)
    now = timezone.now()
    open_one = alerts.raise_or_extend(
        attempt, AlertKind.LOOKING_AWAY, view=1, at=now, confidence=0.7, detail={}
    )
    decided = alerts.raise_or_extend(
        attempt, AlertKind.DEVICE, view=1, at=now, confidence=0.7, detail={}
    )
    Alert.objects.filter(pk=decided.pk).update(decision="confirmed")
    view_states.record_view_state(attempt.pk, 1, True)
    assert [a["id"] for a in alert_events.room_alerts(personas.room_a.pk)] == [open_one.pk]
    assert view_states.room_view_states(personas.room_a.pk) == [
        {"attempt": attempt.pk, "view": 1, "connected": True}
    ]
    assert alert_events.room_alerts(personas.room_b.pk) == []


# --- Ending an exam ----------------------------------------------------------------------------


async def test_ending_an_exam_stops_the_candidate_and_the_answer_api(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    page = await candidate_channel(attempt, personas.carol.user)
    client = await sync_to_async(staff_client)(personas.paula)
    path = f"/proctor/attempts/{attempt.pk}/end/"
    missing = await sync_to_async(post)(client, path, {"reason": " "})
    assert missing.status_code == 400 and missing.json()["code"] == "required"

    response = await sync_to_async(post)(client, path, {"reason": "他人代考"})
    assert response.status_code == 200, response.content
    ended = await page.receive_json_from(timeout=5)
    assert ended == {"type": "terminated", "reason": "他人代考"}
    closed = await page.receive_output(timeout=5)
    assert closed["type"] == "websocket.close" and closed["code"] == 4000
    await sync_to_async(attempt.refresh_from_db)()
    assert attempt.status == "terminated"
    entry = await sync_to_async(
        AuditEntry.objects.filter(action="attempt.terminated", actor=personas.paula).get
    )()
    assert entry.data["reason"] == "他人代考"

    def answer() -> Any:
        candidate = Client()
        candidate.force_login(
            personas.carol.user, backend="accounts.backends.CandidateSessionBackend"
        )
        question = Question.objects.get(pk=attempt.paper[0]["question"])
        return candidate.put(
            f"/api/exam/attempts/{attempt.pk}/answers/{question.pk}",
            json.dumps({"response": "B", "seq": 1}),
            content_type="application/json",
        )

    refused = await sync_to_async(answer)()
    assert refused.status_code == 409 and refused.json()["code"] == "finished"
    again = await sync_to_async(post)(client, path, {"reason": "again"})
    assert again.status_code == 400 and again.json()["code"] == "finished"

    # A page that was reconnecting at that moment hears of it when it comes back.
    late = await candidate_channel(attempt, personas.carol.user)
    assert await late.receive_json_from(timeout=5) == {"type": "terminated", "reason": "他人代考"}


# --- View state --------------------------------------------------------------------------------


async def test_view_states_are_published_on_change_and_the_phones_loss_raises_an_alert(
    personas: Personas,
) -> None:
    attempt = await sync_to_async(start)(personas)
    console = await room_console(personas.room_a.pk, personas.paula)
    page = await candidate_channel(attempt, personas.carol.user)
    record = sync_to_async(view_states.record_view_state)

    await record(attempt.pk, 2, True)
    assert (await next_of(console, "view.changed"))["connected"] is True
    assert await page.receive_json_from(timeout=5) == {
        "type": "view.changed",
        "view": 2,
        "connected": True,
    }
    await record(attempt.pk, 2, True)  # the same state again: nothing to tell
    assert await console.receive_nothing(timeout=0.3)

    await record(attempt.pk, 2, False)
    lost = await both(console, "view.changed", "alert.changed")
    assert lost["view.changed"]["connected"] is False
    alert = lost["alert.changed"]["alert"]
    assert alert["kind"] == "second_view_lost" and alert["status"] == "open"

    await record(attempt.pk, 2, True)
    back = await both(console, "view.changed", "alert.changed")
    assert back["alert.changed"]["alert"]["status"] == "closed"
    assert await sync_to_async(ViewState.objects.get)(attempt=attempt, view=2)

    # The candidate's own page reports view 1 (it still can when the media process is down).
    await page.send_json_to({"type": "view", "view": 1, "connected": False})
    changed = await next_of(console, "view.changed")
    assert changed == {"type": "view.changed", "attempt": attempt.pk, "view": 1, "connected": False}
    state = await sync_to_async(ViewState.objects.get)(attempt=attempt, view=1)
    assert state.connected is False
    await page.disconnect()

    # A page that opens now hears the state of both views at once.
    fresh = await candidate_channel(attempt, personas.carol.user)
    assert [await fresh.receive_json_from(timeout=5) for _ in range(2)] == [
        {"type": "view.changed", "view": 1, "connected": False},
        {"type": "view.changed", "view": 2, "connected": True},
    ]
    await fresh.disconnect()
    await console.disconnect()


def test_losing_the_phone_before_answering_raises_no_alert(personas: Personas) -> None:
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    attempt = services.open_attempt(registration)
    view_states.record_view_state(attempt.pk, 2, True)
    view_states.record_view_state(attempt.pk, 2, False)
    assert not Alert.objects.exists()
    assert not ViewState.objects.get(attempt=attempt, view=2).connected


# --- Progress ----------------------------------------------------------------------------------


async def test_saving_an_answer_updates_the_proctors_tile(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    console = await room_console(personas.room_a.pk, personas.paula)
    question_id = attempt.paper[0]["question"]
    await sync_to_async(services.save_answer)(
        attempt.pk, question_id, "B", 1, now=timezone.now() + dt.timedelta(seconds=1)
    )
    changed = await next_of(console, "attempt.changed")
    assert changed["attempt"]["id"] == attempt.pk and changed["attempt"]["answered"] == 1
    await console.disconnect()


# --- The console ----------------------------------------------------------------------------


async def test_thumbnails_from_the_media_process_reach_the_rooms_consoles(
    personas: Personas,
) -> None:
    from channels.layers import get_channel_layer

    attempt = await sync_to_async(start)(personas)
    console = await room_console(personas.room_a.pk, personas.paula)
    thumbnail: events.ViewThumbnail = {
        "type": "view.thumbnail",
        "attempt": attempt.pk,
        "view": 2,
        "jpeg": "/9j/AAAA",
        "at": timezone.now().isoformat(),
    }
    layer = get_channel_layer()
    assert layer is not None
    await layer.group_send(events.room_group(personas.room_a.pk), dict(thumbnail))
    assert await next_of(console, "view.thumbnail") == thumbnail
    await console.disconnect()


def test_the_room_page_offers_the_actions_to_the_rooms_staff_only(personas: Personas) -> None:
    path = f"/proctor/rooms/{personas.room_a.pk}/"
    page = staff_client(personas.paula).get(path)
    assert page.status_code == 200
    html = page.content.decode()
    for part in ('id="warn-form"', 'id="end-form"', 'id="broadcast-form"', "js/proctor_room.js"):
        assert part in html
    assert staff_client(personas.pete).get(path).status_code == 404


async def test_a_restarted_media_process_marks_its_own_views_lost_and_no_others(
    personas: Personas,
) -> None:
    carol = await sync_to_async(start)(personas, "carol")
    dave = await sync_to_async(start)(personas, "dave")
    record = sync_to_async(view_states.record_view_state)
    await record(carol.pk, 1, True, media_process="media-a")
    await record(carol.pk, 2, True, media_process="media-a")
    await record(dave.pk, 1, True, media_process="media-b")
    console = await room_console(personas.room_a.pk, personas.paula)

    # media-a crashed and starts again: it holds no peer, so its views are down until the
    # pages reconnect; media-b's candidate is untouched.
    assert await sync_to_async(view_states.forget_views_of)("media-a") == 2
    lost = [await next_of(console, "view.changed") for _ in range(2)]
    assert {(e["attempt"], e["view"], e["connected"]) for e in lost} == {
        (carol.pk, 1, False),
        (carol.pk, 2, False),
    }
    dave_view = await sync_to_async(ViewState.objects.get)(attempt=dave, view=1)
    assert dave_view.connected and dave_view.media_process == "media-b"
    # The phone went down while answering: the proctor is alerted.
    assert await sync_to_async(
        Alert.objects.filter(attempt=carol, kind=AlertKind.SECOND_VIEW_LOST, status="open").exists
    )()
    await console.disconnect()
