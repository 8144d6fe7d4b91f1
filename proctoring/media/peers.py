"""The media process's WebRTC side (aiortc): one server peer per live view, the one reader of its
video (evidence samples and the grid's thumbnails), and the switchable tracks that the focus view
and voice talk send.

Rules learnt the hard way: no STUN/TURN server unless configured (``proctoring.ice``: the same
servers as the pages, so either side can relay); the host addresses advertised are a setting
(aioice skips 127.0.0.1 on its own); in production remote candidates on private, loopback or
link-local addresses are dropped (``WEBRTC_ICE_PUBLIC_ONLY``); every received track is
consumed (an unread track fills an unbounded queue); a consumer copes with frame sizes that
change mid-stream.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fractions
import io
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aioice.ice
import av
from aiortc import MediaStreamTrack, RTCConfiguration, RTCIceServer, RTCPeerConnection
from aiortc.contrib.media import MediaBlackhole
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import candidate_from_sdp
from django.conf import settings

from proctoring import ice
from proctoring.media import clean_frames, host_candidates, shutdown

logger = logging.getLogger(__name__)

JPEG_QUALITY = 85
_default_host_addresses = aioice.ice.get_host_addresses


def _configured_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    addresses = list(settings.WEBRTC_ICE_HOST_ADDRESSES)
    return addresses or _default_host_addresses(use_ipv4, use_ipv6)


# aioice looks the function up at gathering time; the setting is read on every call, so tests
# that change it take effect without reloading anything.
aioice.ice.get_host_addresses = _configured_host_addresses
host_candidates.install()  # the port range and announced address of the host candidates


def ice_servers() -> list[RTCIceServer]:
    """The configured STUN and TURN servers for this media process's peers, with TURN
    credentials of its own (``proctoring.ice``); [] when none is configured, never aiortc's
    default public STUN server."""
    return [
        RTCIceServer(
            urls=server["urls"],
            username=server.get("username"),
            credential=server.get("credential"),
        )
        for server in ice.ice_servers(f"media-{settings.MEDIA_PROCESS_ID}")
    ]


def new_peer() -> RTCPeerConnection:
    """A server peer with the configured ICE servers only, registered so that a shutdown of the
    media process closes it (``shutdown``). Its video decoders hand out no frame decoded without
    its key frame (``clean_frames``): such a frame is never evidence nor a thumbnail."""
    clean_frames.install()
    return shutdown.register(RTCPeerConnection(RTCConfiguration(iceServers=ice_servers())))


def parse_candidate(line: str, sdp_mid: str | None, sdp_m_line_index: int | None) -> Any:
    """An ``RTCIceCandidate`` from the browser's ``candidate:…`` line; ValueError when malformed,
    and None for a candidate the settings exclude (``excluded``)."""
    text = line.removeprefix("candidate:")
    try:
        candidate = candidate_from_sdp(text)
    except (AssertionError, IndexError, ValueError) as exc:
        raise ValueError("malformed candidate") from exc
    if excluded(candidate.ip):
        return None
    candidate.sdpMid = sdp_mid
    candidate.sdpMLineIndex = sdp_m_line_index
    return candidate


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a hostname (an mDNS .local name): not loopback
        return False


def is_public(host: str) -> bool:
    """Whether a remote candidate's address is one the media process may send checks to on the
    internet: not private (RFC 1918, unique-local, CGNAT), loopback, link-local, unspecified,
    multicast or reserved. A hostname (Chromium's mDNS ``….local`` names) only resolves on the
    browser's own local network, so it counts as private."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
        or address in _SHARED_ADDRESS_SPACE
    )


_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # CGNAT, not is_private before 3.13


def excluded(host: str) -> bool:
    """Whether the settings exclude a remote candidate on ``host``: anything but loopback while
    loopback-only (tests), anything not public under ``WEBRTC_ICE_PUBLIC_ONLY`` (production)."""
    if settings.WEBRTC_ICE_LOOPBACK_ONLY and not _is_loopback(host):
        return True
    return bool(settings.WEBRTC_ICE_PUBLIC_ONLY) and not is_public(host)


def allowed_sdp(sdp: str) -> str:
    """The offer with the ICE candidates the settings exclude (``excluded``) removed, so the
    server never even tries them."""
    if not (settings.WEBRTC_ICE_LOOPBACK_ONLY or settings.WEBRTC_ICE_PUBLIC_ONLY):
        return sdp
    kept = []
    for line in sdp.splitlines():
        if line.startswith("a=candidate:"):
            bits = line.split()
            if len(bits) < 8 or excluded(bits[4]):
                continue
        kept.append(line)
    return "\r\n".join(kept) + "\r\n"


# aiortc runs its receive-side bitrate estimator (aiortc/rate.py, REMB) on every video packet
# that carries this header extension: a quarter of the per-packet receive path, in the event
# loop. These views only receive, and the pages cap their own bit rate (view1.js, view2.js), so
# the browser's loss-based estimate from our receiver reports is enough. Leaving the extension
# out of the offer before aiortc reads it keeps it out of the answer: the browser stops sending
# it and aiortc never runs the estimator. (aiortc negotiates no transport-cc at all.)
_UNUSED_EXTENSIONS = ("http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",)


def receive_only_sdp(sdp: str) -> str:
    """The offer without the header extensions a receive-only view has no use for."""
    kept = [
        line
        for line in sdp.splitlines()
        if not (line.startswith("a=extmap:") and line.split()[1:2] == list(_UNUSED_EXTENSIONS))
    ]
    return "\r\n".join(kept) + "\r\n"


def with_opus_dtx(sdp: str) -> str:
    """The answer with ``usedtx=1`` on Opus: the browser's encoder then sends about one packet
    in 400 ms instead of 50 a second while the candidate is silent (the receive path costs per
    packet; audio sampling cuts 3 s chunks of what arrives, and silence holds no voice). The
    parameter only asks the remote sender; aiortc's own decoder needs nothing."""
    lines = sdp.splitlines()
    opus: set[str] = set()
    for line in lines:
        bits = line.split()
        if (
            len(bits) == 2
            and bits[0].startswith("a=rtpmap:")
            and bits[1].lower().startswith("opus/")
        ):
            opus.add(bits[0].removeprefix("a=rtpmap:"))
    with_fmtp = {
        line.split()[0].removeprefix("a=fmtp:") for line in lines if line.startswith("a=fmtp:")
    }
    out = []
    for line in lines:
        bits = line.split()
        if (
            bits
            and bits[0].startswith("a=fmtp:")
            and bits[0].removeprefix("a=fmtp:") in opus
            and "usedtx=" not in line
        ):
            line += ";usedtx=1"
        out.append(line)
        if bits and bits[0].startswith("a=rtpmap:"):
            payload_type = bits[0].removeprefix("a=rtpmap:")
            if payload_type in opus and payload_type not in with_fmtp:  # aiortc writes none
                out.append(f"a=fmtp:{payload_type} usedtx=1")
    return "\r\n".join(out) + "\r\n"


def jpeg_of(frame: Any) -> bytes:
    """Encode a decoded ``av.VideoFrame`` of any size as JPEG (CPU work: run it in a thread)."""
    image = frame.to_image()
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


Store = Callable[[bytes, dt.datetime], Awaitable[int | None]]


Thumbnail = Callable[[bytes, dt.datetime], Awaitable[None]]

THUMBNAIL_BOX = (160, 120)  # the grid's tiles: small enough to send every second per view
THUMBNAIL_QUALITY = 70


def thumbnail_of(frame: Any) -> bytes:
    """A small JPEG of a decoded frame that fits ``THUMBNAIL_BOX`` with its aspect ratio kept
    (scaled by libswscale while converting to RGB, so it costs little more than the JPEG)."""
    box_w, box_h = THUMBNAIL_BOX
    scale = min(box_w / frame.width, box_h / frame.height, 1.0)
    width, height = max(2, round(frame.width * scale)), max(2, round(frame.height * scale))
    image = frame.to_image(width=width, height=height)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=THUMBNAIL_QUALITY)
    return buffer.getvalue()


def _encode(frame: Any, sample: bool, thumbnail: bool) -> tuple[bytes | None, bytes | None]:
    return (jpeg_of(frame) if sample else None, thumbnail_of(frame) if thumbnail else None)


async def read_video(
    track: MediaStreamTrack,
    *,
    sample_every: float,
    store: Store,
    thumbnail_every: float = 0.0,
    thumbnail: Thumbnail | None = None,
) -> int:
    """The one reader of a view's video for the vision workers and the proctors' grid: reads
    every frame of ``track`` (so nothing queues), hands one frame every ``sample_every`` seconds
    to ``store`` and, when ``thumbnail`` is given, a small JPEG every ``thumbnail_every`` seconds
    to it. Both come from the same frames and are encoded together in one thread call, off the
    event loop. Returns how many frames were stored when the track ends. A frame that cannot be
    encoded, stored or sent is logged and skipped, never fatal; frames may change size."""
    stored = 0
    next_sample = next_thumbnail = 0.0  # the first decoded frame is used at once
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return stored
        now = time.monotonic()
        want_sample = now >= next_sample
        want_thumbnail = thumbnail is not None and now >= next_thumbnail
        if not (want_sample or want_thumbnail):
            continue
        if want_sample:
            next_sample = now + sample_every
        if want_thumbnail:
            next_thumbnail = now + thumbnail_every
        captured_at = dt.datetime.now(dt.UTC)
        try:
            jpeg, small = await asyncio.to_thread(_encode, frame, want_sample, want_thumbnail)
        except Exception:
            logger.exception("a frame could not be encoded")
            continue
        if small is not None and thumbnail is not None:
            try:  # first: a slow database write below must not delay the grid
                await thumbnail(small, captured_at)
            except Exception:
                logger.warning("a thumbnail could not be sent", exc_info=True)
        if jpeg is not None:
            try:
                if await store(jpeg, captured_at) is not None:
                    stored += 1
            except Exception:
                logger.exception("a sampled frame could not be stored")


async def reading(track: MediaStreamTrack, reader: Awaitable[Any]) -> Any:
    """Await ``reader`` of ``track`` and stop the track when it is done, however it ends: a relay
    proxy left behind by a reader that gave up would queue every frame of its source."""
    try:
        return await reader
    finally:
        track.stop()


async def sample(track: MediaStreamTrack, every: float, store: Store) -> int:
    """``read_video`` without thumbnails: one frame every ``every`` seconds to ``store``."""
    return await read_video(track, sample_every=every, store=store)


def drain(track: MediaStreamTrack) -> MediaBlackhole:
    """Consume a track nobody samples yet (audio until audio detection reads it)."""
    sink = MediaBlackhole()
    sink.addTrack(track)
    return sink


_CLOCK_ORIGIN = time.monotonic()
VIDEO_CLOCK_RATE = 90_000
SWITCH_QUEUE = {"video": 2, "audio": 5}  # frames; older ones are dropped when the encoder lags
AUDIO_GAP_SECONDS = 0.2  # a pause longer than this restarts the audio timestamps at the clock


class SwitchTrack(MediaStreamTrack):
    """A track for a server sender whose source comes and goes: a view that connects after the
    proctor opened the focus, a view that reconnects, the proctor's voice while talking.

    aiortc's ``RTCRtpSender`` with no track polls every 20 ms, and when its track ends its RTP
    loop ends for good, so a sender could never be given a new source. This track never ends
    while the peer lives: without a source its ``recv`` simply waits (no packets, no encoding,
    no cost). A pump task reads the current source (a ``MediaRelay`` proxy) into a short queue;
    ``switch`` cancels it and starts reading the new one. Timestamps are rewritten so they stay
    monotonic across sources (each browser starts its own RTP clock at a random value): video on
    one process-wide 90 kHz clock, audio contiguous by samples and moved forward to the clock
    after a pause.
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=SWITCH_QUEUE[kind])
        self._source: MediaStreamTrack | None = None
        self._pump: asyncio.Task[None] | None = None
        self._next_pts: int | None = None  # audio: the pts the next contiguous frame gets

    @property
    def source(self) -> MediaStreamTrack | None:
        return self._source

    def switch(self, source: MediaStreamTrack | None) -> None:
        """Forward ``source`` from now on (None: nothing, the sender pauses). The previous
        source is stopped, which unsubscribes it from its relay."""
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None
        if self._source is not None:
            self._source.stop()
        self._source = source
        if source is not None and self.readyState == "live":
            self._pump = asyncio.ensure_future(self._run(source))

    async def _run(self, source: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await source.recv()
                if self._queue.full():
                    self._queue.get_nowait()
                self._queue.put_nowait(frame)
        except MediaStreamError:  # the source ended (its view left): wait for the next one
            pass

    async def recv(self) -> Any:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self._queue.get()
        if frame is None:  # put by stop()
            raise MediaStreamError
        return self._restamp(frame)

    def stop(self) -> None:
        self.switch(None)
        super().stop()
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)  # wakes a sender waiting in recv()

    def _restamp(self, frame: Any) -> Any:
        now = time.monotonic() - _CLOCK_ORIGIN
        if self.kind == "video":
            # The same decoded frame may go to several focus peers: each writes the same clock.
            frame.pts = int(now * VIDEO_CLOCK_RATE)
            frame.time_base = fractions.Fraction(1, VIDEO_CLOCK_RATE)
            return frame
        rate = frame.sample_rate
        at_clock = int(now * rate)
        pts = self._next_pts
        if pts is None or at_clock - pts > AUDIO_GAP_SECONDS * rate:
            pts = at_clock if pts is None else max(at_clock, pts)
        # A copy: the source's frame may be shared with other consumers through the relay.
        copy = av.AudioFrame.from_ndarray(
            frame.to_ndarray(), format=frame.format.name, layout=frame.layout.name
        )
        copy.sample_rate = rate
        copy.pts = pts
        copy.time_base = fractions.Fraction(1, rate)
        self._next_pts = pts + frame.samples
        return copy
