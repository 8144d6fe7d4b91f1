"""Retention of an attempt's evidence (R-PROC-4): frames, audio chunks and identity bursts."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from core.retention import delete_with_files
from exams import identity
from proctoring.models import AudioChunk, EvidenceFrame


def purge_evidence(now: dt.datetime | None = None) -> int:
    """Delete evidence frames, audio chunks and identity-check frames older than
    ``VISION_EVIDENCE_RETENTION_DAYS``; alerts and identity decisions keep their record without
    the picture. Returns how many rows were deleted or emptied."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.VISION_EVIDENCE_RETENTION_DAYS)
    frames = delete_with_files(EvidenceFrame.objects.filter(captured_at__lt=cutoff), "image")
    chunks = delete_with_files(AudioChunk.objects.filter(captured_at__lt=cutoff), "audio")
    return frames + chunks + identity.purge_check_frames(cutoff)
