"""Voice detection from the recording (R-PROC-3): the audio of each stored view-1 segment.

The candidate's page sends its microphone over WebRTC only while a proctor has the candidate in
focus (view1.js): 50 Opus packets a second through aiortc cost ~2 points of a core per
candidate in the media process (docs/performance.md, "Media process"). The browser records its
camera and microphone anyway, in self-contained WebM segments (recorder.js, recordings.py), so
voice detection reads those: each new view-1 segment queues ``vision.analyze_segment_audio``,
which decodes the segment's Opus audio here, keeps it as a 16 kHz mono WAV ``AudioChunk``
(captured at the segment's start) and runs the same analysis as the live chunks
(``proctoring.tasks.analyze_audio``).
"""

from __future__ import annotations

import logging

import av
from django.core.files.base import ContentFile
from django.db import transaction

from proctoring import uploads
from proctoring.models import AudioChunk, RecordingSegment
from vision.audio import RATE, wav_of

logger = logging.getLogger(__name__)

# A segment with less audio than this says nothing about voices (a recorder stopped at once).
MIN_SECONDS = 0.5


def segment_wav(segment: RecordingSegment) -> bytes | None:
    """The segment's audio as 16 kHz mono 16-bit WAV, or None when it has no audio track or
    cannot be decoded (a truncated upload, a browser that recorded without a microphone)."""
    pcm = bytearray()
    try:
        with segment.file.open("rb") as handle, av.open(handle, "r") as container:
            if not container.streams.audio:
                return None
            resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    # to_ndarray, not the plane's buffer: planes are padded past the last sample.
                    pcm += out.to_ndarray().astype("<i2").tobytes()
            for out in resampler.resample(None):
                pcm += out.to_ndarray().astype("<i2").tobytes()
    except (OSError, av.FFmpegError, ValueError) as exc:
        # av's errors derive from OSError/ValueError in most versions; FFmpegError covers the rest.
        logger.warning("segment %s: audio not decodable: %s", segment.pk, exc)
        return None
    if len(pcm) < MIN_SECONDS * RATE * 2:
        return None
    return wav_of(bytes(pcm))


def chunk_of_segment(segment_id: int) -> int | None:
    """Keep the audio of view-1 segment ``segment_id`` as an AudioChunk; returns the chunk's id,
    or None when there is nothing to analyse. Idempotent: a segment that already has its chunk
    (same attempt, captured at the segment's start) gets no second one, and analyze_audio does
    not analyse a chunk twice."""
    segment = RecordingSegment.objects.filter(pk=segment_id, view=1).first()
    if segment is None:
        return None
    wav = segment_wav(segment)  # decoding first, outside the transaction and its row lock
    if wav is None:
        logger.info("segment %s: no usable audio, skipped", segment_id)
        return None
    with transaction.atomic():
        # The lock on the segment serialises two deliveries of the same task.
        locked = RecordingSegment.objects.select_for_update().filter(pk=segment_id).first()
        if locked is None:  # purged meanwhile
            return None
        done = AudioChunk.objects.filter(
            attempt_id=locked.attempt_id, captured_at=locked.started_at
        ).first()
        if done is not None:  # analysed, or its analysis was cut short: analyze_audio decides
            return done.pk
        chunk = AudioChunk(attempt_id=locked.attempt_id, captured_at=locked.started_at)
        chunk.sha256 = uploads.sha256_hex(wav)
        chunk.audio.save("segment.wav", ContentFile(wav), save=False)
        try:
            chunk.save()
        except BaseException:
            # Stored files are not transactional: a row that cannot be written leaves no file.
            chunk.audio.storage.delete(chunk.audio.name)
            raise
    return chunk.pk
