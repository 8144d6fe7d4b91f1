"""The media process's WebRTC side (aiortc): one server peer per live view, and the sampler that
reads its video track.

Rules from WEBRTC-NOTES: no STUN/TURN server unless configured (``iceServers=[]``); the host
addresses advertised are a setting (aioice skips 127.0.0.1 on its own); every received track is
consumed (an unread track fills an unbounded queue); a consumer copes with frame sizes that
change mid-stream.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aioice.ice
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection
from aiortc.contrib.media import MediaBlackhole
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import candidate_from_sdp
from django.conf import settings

logger = logging.getLogger(__name__)

JPEG_QUALITY = 85
_default_host_addresses = aioice.ice.get_host_addresses


def _configured_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    addresses = list(settings.WEBRTC_ICE_HOST_ADDRESSES)
    return addresses or _default_host_addresses(use_ipv4, use_ipv6)


# aioice looks the function up at gathering time; the setting is read on every call, so tests
# that change it take effect without reloading anything.
aioice.ice.get_host_addresses = _configured_host_addresses


def new_peer() -> RTCPeerConnection:
    """A server peer that never asks a public STUN server (aiortc's default otherwise)."""
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


def parse_candidate(line: str, sdp_mid: str | None, sdp_m_line_index: int | None) -> Any:
    """An ``RTCIceCandidate`` from the browser's ``candidate:…`` line; ValueError when malformed,
    and None for a candidate the settings exclude (non-loopback while loopback-only)."""
    text = line.removeprefix("candidate:")
    try:
        candidate = candidate_from_sdp(text)
    except (AssertionError, IndexError, ValueError) as exc:
        raise ValueError("malformed candidate") from exc
    if settings.WEBRTC_ICE_LOOPBACK_ONLY and not _is_loopback(candidate.ip):
        return None
    candidate.sdpMid = sdp_mid
    candidate.sdpMLineIndex = sdp_m_line_index
    return candidate


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a hostname (an mDNS .local name): not loopback
        return False


def allowed_sdp(sdp: str) -> str:
    """The offer with the ICE candidates the settings exclude removed (non-loopback ones while
    loopback-only), so the server never even tries them."""
    if not settings.WEBRTC_ICE_LOOPBACK_ONLY:
        return sdp
    kept = []
    for line in sdp.splitlines():
        if line.startswith("a=candidate:"):
            bits = line.split()
            if len(bits) < 8 or not _is_loopback(bits[4]):
                continue
        kept.append(line)
    return "\r\n".join(kept) + "\r\n"


def jpeg_of(frame: Any) -> bytes:
    """Encode a decoded ``av.VideoFrame`` of any size as JPEG (CPU work: run it in a thread)."""
    image = frame.to_image()
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


Store = Callable[[bytes, dt.datetime], Awaitable[int | None]]


async def sample(track: MediaStreamTrack, every: float, store: Store) -> int:
    """Read every frame of ``track`` (so its queue never grows) and hand one frame every
    ``every`` seconds to ``store``; returns how many frames were stored when the track ends.
    A frame that cannot be encoded or stored is logged and skipped, never fatal."""
    stored = 0
    next_at = 0.0  # the first decoded frame is sampled at once
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return stored
        now = time.monotonic()
        if now < next_at:
            continue
        next_at = now + every
        captured_at = dt.datetime.now(dt.UTC)
        try:
            jpeg = await asyncio.to_thread(jpeg_of, frame)
            if await store(jpeg, captured_at) is not None:
                stored += 1
        except Exception:
            logger.exception("a sampled frame could not be stored")


def drain(track: MediaStreamTrack) -> MediaBlackhole:
    """Consume a track nobody samples yet (audio until audio detection reads it)."""
    sink = MediaBlackhole()
    sink.addTrack(track)
    return sink
