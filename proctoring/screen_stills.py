"""Stills of the candidate's shared screen (view 3): the exam page draws a frame of the share every
``SCREEN_STILL_SECONDS`` and posts it as a JPEG; each is kept as an ``EvidenceFrame`` of kind
``screen`` (the evidence store, its access-checked download and its retention), which the review
page lists beside the screen's recording (R-PROC-6). They are not analysed: the vision models look
for people and objects in a room, not at a desktop."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from exams.models import SCREEN_VIEW, Attempt
from proctoring import uploads
from proctoring.models import EvidenceFrame
from proctoring.recordings import RecordingRefused, accepts_uploads

# Every JPEG file starts with the SOI marker and a segment marker.
JPEG_MAGIC = b"\xff\xd8\xff"


def store_still(attempt: Attempt, data: bytes, *, now: dt.datetime | None = None) -> EvidenceFrame:
    """Keep one still of ``attempt``'s screen; refused (nothing stored) if the exam does not
    record the screen, the attempt takes no more uploads, or the bytes are not a JPEG of at
    most ``SCREEN_STILL_MAX_BYTES``."""
    now = now or timezone.now()
    if not attempt.registration.exam.requires_screen_share:
        raise RecordingRefused(
            "screen_not_required", _("This exam does not record the screen."), status=403
        )
    if not accepts_uploads(attempt, now):
        raise RecordingRefused(
            "finished", _("This attempt has ended; its recording is closed."), status=410
        )
    limit = settings.SCREEN_STILL_MAX_BYTES
    if len(data) > limit:
        raise RecordingRefused(
            "too_large", _("The still is larger than the limit."), status=413, limit=limit
        )
    if not data.startswith(JPEG_MAGIC):
        raise RecordingRefused("not_jpeg", _("The still is not a JPEG image."))
    frame = EvidenceFrame(
        attempt=attempt, view=SCREEN_VIEW, kind=EvidenceFrame.Kind.SCREEN, captured_at=now
    )
    uploads.save_with_file(frame, "image", "screen.jpg", data)
    return frame
