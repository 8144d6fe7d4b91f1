"""The sender track of the focus view and of voice talk (``peers.SwitchTrack``): it forwards
whichever source it is given, waits without one, stops the source it leaves, and keeps the
timestamps monotonic across sources whose own clocks start anywhere."""

from __future__ import annotations

import asyncio
import fractions
import itertools

import numpy as np
import pytest
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, VideoFrame

from proctoring.media.peers import SwitchTrack

pytestmark = pytest.mark.timeout(20)


class Source(MediaStreamTrack):
    """Frames every 20 ms whose own pts start at ``origin``."""

    def __init__(self, kind: str, origin: int) -> None:
        super().__init__()
        self.kind = kind
        self.pts = origin

    async def recv(self) -> AudioFrame | VideoFrame:
        await asyncio.sleep(0.02)
        frame: AudioFrame | VideoFrame
        if self.kind == "audio":
            frame = AudioFrame.from_ndarray(
                np.full((1, 960), 1000, dtype=np.int16), format="s16", layout="mono"
            )
            frame.sample_rate = 48_000
            frame.time_base = fractions.Fraction(1, 48_000)
        else:
            frame = VideoFrame(width=32, height=24)
            frame.time_base = fractions.Fraction(1, 90_000)
        frame.pts = self.pts
        self.pts += 960 if self.kind == "audio" else 3000
        return frame


async def test_without_a_source_it_waits_and_sends_nothing() -> None:
    switch = SwitchTrack("video")
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(switch.recv(), 0.2)
    switch.stop()


async def test_it_follows_its_source_and_stops_the_one_it_leaves() -> None:
    switch = SwitchTrack("video")
    first, second = Source("video", 10**9), Source("video", 5)
    switch.switch(first)
    before = [await switch.recv() for _ in range(3)]
    switch.switch(second)
    assert first.readyState == "ended"
    after = [await switch.recv() for _ in range(3)]
    pts = [frame.pts for frame in before + after]
    assert pts == sorted(pts)  # the second source's clock started far lower
    switch.switch(None)
    assert second.readyState == "ended"
    switch.stop()
    with pytest.raises(MediaStreamError):
        await switch.recv()


async def test_audio_stays_contiguous_and_moves_on_after_a_pause() -> None:
    switch = SwitchTrack("audio")
    switch.switch(Source("audio", 123_456_789))
    frames = [await switch.recv() for _ in range(4)]
    steps = {b.pts - a.pts for a, b in itertools.pairwise(frames)}
    assert steps == {960}  # sample-exact, not the jitter of the arrival times
    switch.switch(None)
    await asyncio.sleep(0.5)  # a pause in the talk
    switch.switch(Source("audio", 0))
    resumed = await switch.recv()
    gap = resumed.pts - frames[-1].pts
    assert gap >= 0.4 * 48_000  # it starts again at the clock, after the pause
    switch.stop()


async def test_a_sender_waiting_on_it_is_released_by_stop() -> None:
    switch = SwitchTrack("audio")
    waiting = asyncio.ensure_future(switch.recv())
    await asyncio.sleep(0.05)
    switch.stop()
    with pytest.raises(MediaStreamError):
        await waiting
