"""View 2 (the phone) into the media process, end to end without a browser: a phone session
paired by the QR link streams the shared talking-face video through the real media ASGI app,
which samples it as view 2 and takes the flow's phone step. Only the paired phone's session may
stream view 2, only of its own attempt, and never view 1; a phone replaced by a newer one is cut
off. ICE stays on loopback (host addresses given, no STUN server)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application as web_application
from config.media_asgi import application as media_application
from exams import services
from exams.models import Attempt, Exam, Registration
from exams.statuses import AttemptStatus
from proctoring import pairing
from proctoring.models import EvidenceFrame, ViewState
from tests.personas import Personas
from tests.sockets import session_cookie
from tests.test_view_one_media import VIDEO, media_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture(autouse=True)
def _loopback_media(settings: Any) -> None:
    settings.WEBRTC_ICE_HOST_ADDRESSES = ["127.0.0.1"]
    settings.WEBRTC_ICE_LOOPBACK_ONLY = True
    settings.WEBRTC_SAMPLE_EVERY_SECONDS = 0.5


def at_phone_step(personas: Personas, who: str = "carol") -> Attempt:
    """``who``'s attempt of an exam that requires the phone, waiting at the phone step."""
    Exam.objects.filter(pk=personas.formal.pk).update(requires_second_view=True)
    registration = Registration.objects.get(exam=personas.formal, candidate=getattr(personas, who))
    attempt = services.open_attempt(registration)
    services.confirm_information(attempt)
    services.answer_commitment(attempt, accepted=True, text="I promise.")
    attempt.refresh_from_db()
    assert services.next_step(attempt) == AttemptStatus.SECOND_VIEW_CONNECTED
    return attempt


def paired_phone_cookie(attempt: Attempt) -> bytes:
    """The session cookie of a phone that opened ``attempt``'s QR link."""
    issued = pairing.issue(attempt)
    phone = Client()
    response = phone.get(f"/phone/{issued.token}/")
    assert response.status_code == 302, response.content.decode()
    return f"sessionid={phone.cookies['sessionid'].value}".encode()


def phone_socket(attempt_id: int, cookie: bytes, view: int = 2) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie)]
    path = f"/ws/media/attempts/{attempt_id}/view/{view}/"
    return WebsocketCommunicator(media_application, path, headers=headers)


async def refused(socket: WebsocketCommunicator) -> None:
    connected, code = await socket.connect()
    assert not connected
    assert code == 4403


async def test_the_paired_phone_streams_view_two_and_the_flow_goes_on(personas: Personas) -> None:
    attempt = await sync_to_async(at_phone_step)(personas)
    cookie = await sync_to_async(paired_phone_cookie)(attempt)
    proctor = WebsocketCommunicator(
        web_application,
        f"/ws/proctor/rooms/{personas.room_a.pk}/",
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"cookie", await sync_to_async(session_cookie)(personas.paula)),
        ],
    )
    assert (await proctor.connect())[0]
    assert (await proctor.receive_json_from(timeout=5))["type"] == "room.snapshot"

    socket = phone_socket(attempt.pk, cookie)
    assert (await socket.connect())[0]
    player = MediaPlayer(str(settings.SHARED_DATA_DIR / VIDEO))
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        assert player.video is not None
        client.addTrack(player.video)
        await client.setLocalDescription(await client.createOffer())
        await socket.send_json_to({"type": "offer", "sdp": client.localDescription.sdp})
        answer = await socket.receive_json_from(timeout=10)
        assert answer["type"] == "answer", answer
        await client.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        assert await socket.receive_json_from(timeout=15) == {"type": "connected"}

        # The phone step is taken: the exam is open, so the candidate is answering now.
        refreshed = await sync_to_async(Attempt.objects.get)(pk=attempt.pk)
        assert refreshed.status == AttemptStatus.ANSWERING
        state = await sync_to_async(ViewState.objects.get)(attempt=attempt, view=2)
        assert state.connected

        seen: list[dict[str, Any]] = []
        for _ in range(10):
            seen.append(await proctor.receive_json_from(timeout=5))
            if seen[-1]["type"] == "view.changed":
                break
        assert seen[-1] == {
            "type": "view.changed",
            "attempt": attempt.pk,
            "view": 2,
            "connected": True,
        }, seen

        frames: list[EvidenceFrame] = []
        for _ in range(100):
            frames = await sync_to_async(
                lambda: list(EvidenceFrame.objects.filter(attempt=attempt))
            )()
            if frames:
                break
            await asyncio.sleep(0.1)
        assert frames and {f.view for f in frames} == {2}
    finally:
        await socket.disconnect()
        await client.close()
        if player.video is not None:
            player.video.stop()
        await proctor.disconnect()


async def test_a_phone_session_opens_only_its_own_attempts_view_two(personas: Personas) -> None:
    attempt = await sync_to_async(at_phone_step)(personas)
    other = await sync_to_async(at_phone_step)(personas, "dave")
    cookie = await sync_to_async(paired_phone_cookie)(attempt)
    await refused(phone_socket(attempt.pk, cookie, view=1))  # never the computer's view
    await refused(phone_socket(other.pk, cookie))  # never another candidate's phone view
    await refused(phone_socket(other.pk, cookie, view=1))
    ok = phone_socket(attempt.pk, cookie)
    assert (await ok.connect())[0]
    await ok.disconnect()


async def test_a_candidates_sign_in_alone_does_not_open_view_two(personas: Personas) -> None:
    attempt = await sync_to_async(at_phone_step)(personas)
    carol = await sync_to_async(lambda: personas.carol.user)()
    await refused(await media_socket(attempt.pk, carol, view=2))
    await refused(await media_socket(attempt.pk, None, view=2))


async def test_a_phone_of_a_finished_attempt_is_refused(personas: Personas) -> None:
    attempt = await sync_to_async(at_phone_step)(personas)
    cookie = await sync_to_async(paired_phone_cookie)(attempt)
    await sync_to_async(pairing.view_two_connected)(attempt.pk)
    await sync_to_async(lambda: services.submit(Attempt.objects.get(pk=attempt.pk)))()
    await refused(phone_socket(attempt.pk, cookie))


async def test_a_replaced_phone_is_cut_off_and_cannot_come_back(personas: Personas) -> None:
    attempt = await sync_to_async(at_phone_step)(personas)
    old_cookie = await sync_to_async(paired_phone_cookie)(attempt)
    old = phone_socket(attempt.pk, old_cookie)
    assert (await old.connect())[0]
    new_cookie = await sync_to_async(paired_phone_cookie)(attempt)
    closed = await old.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": pairing.CLOSE_REPLACED}
    await refused(phone_socket(attempt.pk, old_cookie))
    new = phone_socket(attempt.pk, new_cookie)
    assert (await new.connect())[0]
    await new.disconnect()


async def test_a_new_phone_can_be_paired_while_answering(personas: Personas) -> None:
    attempt = await sync_to_async(at_phone_step)(personas)
    await sync_to_async(pairing.view_two_connected)(attempt.pk)
    answering = await sync_to_async(Attempt.objects.get)(pk=attempt.pk)
    assert answering.status == AttemptStatus.ANSWERING
    cookie = await sync_to_async(paired_phone_cookie)(answering)  # a phone that ran flat
    socket = phone_socket(attempt.pk, cookie)
    assert (await socket.connect())[0]
    await socket.disconnect()
