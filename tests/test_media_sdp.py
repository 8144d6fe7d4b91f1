"""The media process's SDP edits for receive-only views: no abs-send-time (so aiortc never runs
its receive-side bitrate estimator per packet) and Opus DTX asked of the browser."""

from __future__ import annotations

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from django.conf import settings

from proctoring.media import peers

ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"

# The audio and video sections of a Chromium offer, trimmed.
CHROMIUM_OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 1 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 63",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        "a=extmap:2 " + ABS_SEND_TIME,
        "a=rtpmap:111 opus/48000/2",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "a=rtpmap:63 red/48000/2",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "a=extmap:2 " + ABS_SEND_TIME,
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=rtpmap:96 VP8/90000",
        "",
    ]
)


def test_the_offer_loses_abs_send_time_and_keeps_the_other_extensions() -> None:
    sdp = peers.receive_only_sdp(CHROMIUM_OFFER)
    assert ABS_SEND_TIME not in sdp
    assert "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level" in sdp
    assert "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid" in sdp
    assert "a=rtpmap:96 VP8/90000" in sdp


def test_opus_gets_usedtx_in_an_existing_fmtp_line() -> None:
    sdp = peers.with_opus_dtx(CHROMIUM_OFFER)
    assert "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1" in sdp.splitlines()
    assert "usedtx" not in "\n".join(line for line in sdp.splitlines() if ":63 " in line)
    assert peers.with_opus_dtx(sdp) == sdp  # never added twice


def test_opus_gets_an_fmtp_line_when_there_is_none() -> None:
    lines = peers.with_opus_dtx("v=0\r\nm=audio 9 X 109\r\na=rtpmap:109 opus/48000/2\r\n")
    assert lines.splitlines()[-1] == "a=fmtp:109 usedtx=1"


async def test_an_aiortc_answer_to_the_edited_offer_negotiates_neither() -> None:
    player = MediaPlayer(
        str(settings.SHARED_DATA_DIR / "video" / "talking_face_640x360_15fps.y4m"), loop=True
    )
    browser, server = RTCPeerConnection(), RTCPeerConnection()
    try:
        assert player.video is not None
        browser.addTrack(player.video)
        browser.addTransceiver("audio", direction="sendonly")
        await browser.setLocalDescription(await browser.createOffer())
        assert ABS_SEND_TIME in browser.localDescription.sdp  # what aiortc senders offer
        offer = peers.receive_only_sdp(browser.localDescription.sdp)
        await server.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        await server.setLocalDescription(await server.createAnswer())
        answer = peers.with_opus_dtx(server.localDescription.sdp)
        assert ABS_SEND_TIME not in answer
        assert "usedtx=1" in answer
        await browser.setRemoteDescription(RTCSessionDescription(answer, "answer"))
    finally:
        await browser.close()
        await server.close()
        if player.video is not None:
            player.video.stop()
