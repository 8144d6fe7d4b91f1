"""A frame decoded without its key frame (a packet lost, a stream joined late) never leaves the
media process's decoder, so it is never stored as evidence nor sent as a thumbnail: real VP8
from libvpx through the decoder wrapper the media process installs into aiortc."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
from aiortc.codecs import get_decoder
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from proctoring.media import clean_frames

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)


def encoded(count: int = 25, gop: int = 10) -> list[bytes]:
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.pix_fmt = 320, 240, "yuv420p"
    codec.time_base, codec.gop_size = Fraction(1, 30), gop
    out: list[bytes] = []
    for index in range(count):
        picture = np.zeros((240, 320, 3), np.uint8)
        picture[:, (index * 7) % 320 :] = 200
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
        frame.pts = index
        out += [bytes(p) for p in codec.encode(frame)]
    return out + [bytes(p) for p in codec.encode(None)]


def decoded(packets: list[bytes], *, lost: int | None) -> list[int]:
    """The packet indexes whose frames the wrapped decoder hands out, the packet ``lost``
    dropped as the jitter buffer drops it: the frame after the gap comes marked ``after_loss``."""
    decoder = clean_frames.CleanDecoder(get_decoder(VP8), "VP8")
    found = []
    for index, data in enumerate(packets):
        if index == lost:
            continue
        frame = JitterFrame(data=data, timestamp=index * 3000)
        if lost is not None and index == lost + 1:
            frame.after_loss = True  # type: ignore[attr-defined]
        try:
            found += [index for _picture in decoder.decode(frame)]
        except av.FFmpegError:
            continue  # aiortc's decoder thread logs it and goes on, as here
    return found


def test_key_frames_are_told_apart() -> None:
    packets = encoded()
    assert [clean_frames.is_key_frame("VP8", p) for p in packets][:11] == [True] + [False] * 9 + [
        True
    ]


def test_frames_after_a_loss_are_kept_back_until_the_next_key_frame() -> None:
    packets = encoded()
    assert decoded(packets, lost=None) == list(range(25))
    assert decoded(packets, lost=4) == [0, 1, 2, 3, *range(10, 25)]


def test_a_stream_joined_after_its_key_frame_starts_at_the_next_one() -> None:
    assert decoded(encoded()[3:], lost=None) == list(range(7, 22))


def test_the_media_process_decodes_video_through_the_wrapper() -> None:
    from aiortc import rtcrtpreceiver

    clean_frames.install()
    assert isinstance(rtcrtpreceiver.get_decoder(VP8), clean_frames.CleanDecoder)
