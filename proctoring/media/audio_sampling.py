"""Audio of a live view into voice activity detection (R-PROC-3).

The media process reads the candidate's received microphone track (``listen``): every frame is
consumed, so aiortc's queue for the track never grows (aiortc queues every
frame of a track nobody reads), and every
``WEBRTC_AUDIO_EVERY_SECONDS`` a chunk of ``WEBRTC_AUDIO_CHUNK_SECONDS`` is kept, downmixed and
resampled to 16 kHz mono 16-bit PCM WAV — what ``vision.audio.read_wav`` reads and small enough
(about 32 KB a second) to store. ``store_chunk`` keeps it as a ``proctoring.models.AudioChunk`` and
queues ``vision.analyze_audio`` once the row is committed; the task raises or closes the
TALKING alert by the exam's rules.

Between chunks a frame costs one ``recv`` and nothing else; a chunk's frames are copied as they
come and resampled together in a thread once it is full (a fresh resampler per chunk, so no
samples carry over from the last one), so listening costs little next to aiortc's own Opus
decode and nothing of it runs long on the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from django.core.files.base import ContentFile
from django.db import transaction

from exams import statuses
from exams.models import Attempt
from proctoring import uploads
from proctoring.models import AudioChunk
from vision.audio import RATE, SAMPLE_WIDTH, wav_of

logger = logging.getLogger(__name__)

StoreAudio = Callable[[bytes, dt.datetime], Awaitable[int | None]]


class _Chunk:
    """The chunk being collected: its start time and its frames' samples so far. Frames are
    only copied here (one ``to_ndarray`` each, in the event loop); the downmix and resampling
    of the whole chunk happen at once, in a thread (``wav``): one resampler call for 150 frames
    costs a fraction of 150 calls, and none of it runs on the loop that receives the media."""

    def __init__(self, seconds: float) -> None:
        self.captured_at = dt.datetime.now(dt.UTC)
        self.seconds = seconds
        self.collected = 0.0  # seconds
        # Runs of consecutive frames of one format, layout and rate: a sender may change them
        # mid-stream, and one resampler input must not mix them.
        self.runs: list[tuple[tuple[str, str, int], list[Any]]] = []

    def add(self, frame: Any) -> bool:
        """Keep the samples of ``frame`` (an ``av.AudioFrame``); True once the chunk is full."""
        key = (frame.format.name, frame.layout.name, int(frame.sample_rate))
        if not self.runs or self.runs[-1][0] != key:
            self.runs.append((key, []))
        self.runs[-1][1].append(frame.to_ndarray())
        self.collected += frame.samples / frame.sample_rate
        return self.collected >= self.seconds

    def wav(self) -> bytes:
        """The chunk as 16 kHz mono WAV (CPU work: run it in a thread)."""
        pcm = bytearray()
        for (fmt, layout, rate), arrays in self.runs:
            # Packed formats are one row of interleaved samples, planar ones a row per
            # channel: either way the frames join along the sample axis.
            frame = av.AudioFrame.from_ndarray(
                np.concatenate(arrays, axis=1), format=fmt, layout=layout
            )
            frame.sample_rate = rate
            resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            for out in [*resampler.resample(frame), *resampler.resample(None)]:
                # to_ndarray, not the plane's buffer: planes are padded past the last sample.
                pcm += out.to_ndarray().astype("<i2").tobytes()
        wanted = int(self.seconds * RATE) * SAMPLE_WIDTH
        return wav_of(bytes(pcm[:wanted]))


async def listen(
    track: MediaStreamTrack, every: float, chunk_seconds: float, store: StoreAudio
) -> int:
    """Read every frame of the audio ``track`` and hand a ``chunk_seconds`` WAV chunk to
    ``store`` every ``every`` seconds (the first chunk starts with the first frame); returns how
    many chunks were stored when the track ends. A chunk that cannot be resampled or stored is
    logged and dropped, never fatal: the next one starts on time."""
    if every <= 0 or chunk_seconds <= 0:
        raise ValueError("audio sampling needs a positive interval and chunk length")
    chunk_seconds = min(chunk_seconds, every)
    stored = 0
    next_at = 0.0
    chunk: _Chunk | None = None
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return stored
        if chunk is None:
            now = time.monotonic()
            if now < next_at:
                continue
            next_at = now + every
            chunk = _Chunk(chunk_seconds)
        try:
            if not chunk.add(frame):
                continue
            wav = await asyncio.to_thread(chunk.wav)
        except (ValueError, av.error.FFmpegError):
            logger.exception("an audio chunk could not be resampled; dropped")
            chunk = None
            continue
        captured_at, chunk = chunk.captured_at, None
        try:
            if await store(wav, captured_at) is not None:
                stored += 1
        except Exception:
            logger.exception("an audio chunk could not be stored")


def store_chunk(attempt_id: int, wav: bytes, captured_at: dt.datetime) -> int | None:
    """Keep one audio chunk of a live attempt and queue its voice analysis; returns the chunk's
    id, or None when the attempt has vanished or left the steps of a live exam."""
    from proctoring.tasks import analyze_audio

    with transaction.atomic():
        attempt = Attempt.objects.filter(pk=attempt_id, status__in=statuses.STEPS).first()
        if attempt is None:
            return None
        chunk = AudioChunk(attempt=attempt, captured_at=captured_at)
        chunk.sha256 = uploads.sha256_hex(wav)
        chunk.audio.save("chunk.wav", ContentFile(wav), save=False)
        try:
            chunk.save()
        except Exception:
            # Stored files are not transactional: a row that cannot be written leaves no file.
            chunk.audio.storage.delete(chunk.audio.name)
            raise
        chunk_id = chunk.pk
        transaction.on_commit(lambda: analyze_audio.delay(chunk_id))
    return chunk_id


async def listen_to_attempt(track: MediaStreamTrack, attempt_id: int) -> int:
    """``listen`` with the settings' interval and length, storing chunks of ``attempt_id``: what
    the media consumer spawns for the audio track of view 1."""
    from channels.db import database_sync_to_async
    from django.conf import settings

    # Not thread-sensitive: a chunk needs no other database work of its consumer to run in the
    # same thread, and the media process's single sync thread already carries every consumer's
    # authorisation, frames and view events; chunks would queue behind them.
    store_async = database_sync_to_async(store_chunk, thread_sensitive=False)

    async def store(wav: bytes, captured_at: dt.datetime) -> int | None:
        return await store_async(attempt_id, wav, captured_at)

    return await listen(
        track, settings.WEBRTC_AUDIO_EVERY_SECONDS, settings.WEBRTC_AUDIO_CHUNK_SECONDS, store
    )
