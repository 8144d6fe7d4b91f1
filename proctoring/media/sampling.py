"""Frames sampled from a live view into the vision workers (R-PROC-3, R-PROC-4).

The media process calls ``store_frame`` with a JPEG it encoded from a decoded WebRTC frame; the
frame is kept as an ``EvidenceFrame`` (a ``frame`` to analyse; ``vision.analyze_frame`` promotes
it to a snapshot or alert evidence) and the analysis is queued once the row is committed.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from exams import statuses
from exams.models import Attempt
from proctoring import uploads
from proctoring.models import EvidenceFrame

VIEWS = (1, 2)


def store_frame(attempt_id: int, view: int, jpeg: bytes, captured_at: dt.datetime) -> int | None:
    """Keep one sampled frame of ``view`` and queue its analysis; returns the frame's id, or None
    when the attempt has vanished or left the steps of a live exam (nothing is stored then)."""
    from proctoring.tasks import analyze_frame

    if view not in VIEWS:
        raise ValueError(f"unknown view {view}")
    with transaction.atomic():
        attempt = Attempt.objects.filter(pk=attempt_id, status__in=statuses.STEPS).first()
        if attempt is None:
            return None
        frame = EvidenceFrame(attempt=attempt, view=view, captured_at=captured_at)
        uploads.save_with_file(frame, "image", "frame.jpg", jpeg)
        frame_id = frame.pk
        transaction.on_commit(lambda: analyze_frame.delay(frame_id))
    return frame_id
