"""Recordings of the views (R-PROC-6): the computer's camera, the phone and, where the exam
requires it, the candidate's shared screen (view 3). Segments recorded by the candidate's
browser, stored as they arrive, played back on the review page, purged after the retention
period.

The server never re-encodes video (re-encoding costs 20–30 % of a
core per stream). ``static/js/recorder.js`` records each view with MediaRecorder in
self-contained WebM segments of a few seconds, queues them in IndexedDB and uploads them here;
a crash or a dropped network loses at most the segment being recorded (a WebM file written
by a process that dies is unreadable).
Uploads are idempotent: the same segment sent twice is stored once.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Refused
from core.retention import delete_with_files
from exams.models import CAMERA_VIEW, PHONE_VIEW, SCREEN_VIEW, Attempt
from exams.statuses import FINISHED, LIVE
from proctoring import activity, uploads
from proctoring.models import RecordingSegment, RoomScan

logger = logging.getLogger(__name__)

VIEWS = (CAMERA_VIEW, PHONE_VIEW, SCREEN_VIEW)
MAX_SEQ = 10_000_000
# A segment shorter than this is a recorder stopped at once; longer than this is not a segment
# this platform's recorder makes (it cuts at RECORDING_SEGMENT_SECONDS, throttled pages later).
MIN_DURATION_MS = 50
MAX_DURATION_MS = 10 * 60 * 1000
# The browser's estimate of when a segment started may be off by the upload's latency and the
# page's clock drift; a start this far before the attempt began still counts as its own.
CLOCK_SLACK = dt.timedelta(minutes=2)
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,40}")
# Every WebM file starts with an EBML header whose DocType is "webm".
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
# Segments further apart than this are drawn as a gap (the page was closed, the camera dropped).
GAP_MS = 1500


class RecordingRefused(Refused):
    """An upload the server does not store; ``code`` is for the recorder, ``message`` for people,
    ``status`` the HTTP status. Permanent refusals (4xx other than 409/429) are dropped by the
    recorder; ``409 seq_taken`` makes it renumber the segment."""

    def __init__(self, code: str, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message, code=code, status=status)
        self.extra = extra


# --- Who may upload ---------------------------------------------------------------------------


def uploader_attempt(request: HttpRequest, attempt_id: int, view: int) -> Attempt:
    """The attempt whose ``view`` the request may upload: views 1 (the camera) and 3 (the
    shared screen) from the signed-in candidate who owns it, view 2 from the phone paired to it
    (``proctoring.pairing``). Anyone else (another candidate, staff, an unpaired phone) gets
    ``not_found``, the same answer as for an attempt that does not exist. The screen is taken
    only for an exam that requires it (``screen_not_required``, 403): a page cannot add a
    recording the exam's rules do not ask for."""
    not_found = RecordingRefused("not_found", _("There is no such attempt."), status=404)
    if view not in VIEWS:
        raise not_found
    if view in (CAMERA_VIEW, SCREEN_VIEW):
        user = request.user
        if not user.is_authenticated:
            raise not_found
        attempt = (
            Attempt.objects.of_candidate(user)
            .select_related("registration__exam")
            .filter(pk=attempt_id)
            .first()
        )
    else:
        attempt = _phone_attempt(request, attempt_id)
    if attempt is None:
        raise not_found
    if view == SCREEN_VIEW and not attempt.registration.exam.requires_screen_share:
        raise RecordingRefused(
            "screen_not_required",
            _("This exam does not record the screen."),
            status=403,
        )
    return attempt


def _phone_attempt(request: HttpRequest, attempt_id: int) -> Attempt | None:
    """The attempt of the phone paired through this session (contract 5). While the attempt is
    live that is ``pairing.phone_attempt_id``; once it has finished, that function answers None
    by design, but the phone's last queued segments are still its own: the pairing in force
    (used, not superseded by another phone) still says so, and ``accepts_uploads`` decides
    whether they are in time."""
    from proctoring import pairing
    from proctoring.models import PhonePairing

    if pairing.phone_attempt_id(request.session) == attempt_id:
        return Attempt.objects.filter(pk=attempt_id).first()
    pk = request.session.get(pairing.SESSION_PAIRING)
    if not isinstance(pk, int):
        return None
    in_force = PhonePairing.objects.filter(
        pk=pk, attempt_id=attempt_id, used_at__isnull=False, superseded_at__isnull=True
    ).exists()
    if not in_force:
        return None
    attempt = Attempt.objects.filter(pk=attempt_id, status__in=FINISHED).first()
    return attempt


def finished_at(attempt: Attempt) -> dt.datetime | None:
    """When ``attempt`` left the live states: the time of the audited move into a finished
    state (``submitted_at`` is capped at the deadline, so it is not the time of the move)."""
    from audit.models import AuditEntry

    if attempt.status not in FINISHED:
        return None
    entry = (
        AuditEntry.objects.filter(
            target_type=Attempt._meta.label_lower,
            target_id=str(attempt.pk),
            action__in=[f"attempt.{status}" for status in FINISHED],
        )
        .order_by("at")
        .first()
    )
    if entry is not None:
        return entry.at
    return attempt.submitted_at


def accepts_uploads(attempt: Attempt, now: dt.datetime | None = None) -> bool:
    """Live attempts, and finished ones for ``RECORDING_UPLOAD_GRACE_SECONDS``, so the segments
    still queued in the browser when the paper was submitted arrive."""
    if attempt.status in LIVE:
        return True
    ended = finished_at(attempt)
    if ended is None:
        return False
    now = now or timezone.now()
    return now <= ended + dt.timedelta(seconds=settings.RECORDING_UPLOAD_GRACE_SECONDS)


# --- Storing a segment ------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentIn:
    """One upload as the recorder describes it. Times are milliseconds of the browser's clock:
    ``sent_at`` is when the request left, so ``sent_at - started_at`` is the segment's age,
    which does not depend on how wrong that clock is."""

    seq: int
    client_id: str
    started_at_ms: int
    sent_at_ms: int
    duration_ms: int


def _int(value: str | None, name: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise RecordingRefused(
            "bad_request", _("The field %(name)s is missing or not a number.") % {"name": name}
        ) from None


def read_upload(request: HttpRequest, limit: int, too_large: str) -> bytes:
    """The body of an upload of at most ``limit`` bytes, or ``too_large`` (413, with the limit).
    Read from the stream, not ``request.body``: the body is video, not form data, and may be
    larger than DATA_UPLOAD_MAX_MEMORY_SIZE; one byte more than the limit tells too large."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise RecordingRefused("too_large", too_large, status=413, limit=limit)
    return request.read(limit + 1)


def parse_segment(params: Any) -> SegmentIn:
    """Read and check the upload's description (query parameters of the POST)."""
    segment = SegmentIn(
        seq=_int(params.get("seq"), "seq"),
        client_id=str(params.get("id") or ""),
        started_at_ms=_int(params.get("started_at"), "started_at"),
        sent_at_ms=_int(params.get("sent_at"), "sent_at"),
        duration_ms=_int(params.get("duration_ms"), "duration_ms"),
    )
    if not 0 <= segment.seq <= MAX_SEQ:
        raise RecordingRefused("bad_request", _("The segment's sequence number is out of range."))
    if not CLIENT_ID.fullmatch(segment.client_id):
        raise RecordingRefused("bad_request", _("The segment's id is missing or malformed."))
    if not MIN_DURATION_MS <= segment.duration_ms <= MAX_DURATION_MS:
        raise RecordingRefused("bad_request", _("The segment's duration is out of range."))
    # A segment is sent after it ended (a little clock jitter allowed).
    if segment.sent_at_ms - segment.started_at_ms < segment.duration_ms - 1000:
        raise RecordingRefused("bad_request", _("The segment's times do not fit together."))
    return segment


def looks_like_webm(data: bytes) -> bool:
    return data.startswith(EBML_MAGIC) and b"webm" in data[:64]


def next_seq(attempt: Attempt, view: int) -> int:
    last = RecordingSegment.objects.filter(attempt=attempt, view=view).aggregate(m=Max("seq"))["m"]
    return 0 if last is None else last + 1


def store_segment(
    attempt: Attempt,
    view: int,
    segment: SegmentIn,
    data: bytes,
    *,
    now: dt.datetime | None = None,
) -> tuple[RecordingSegment, bool]:
    """Store one uploaded segment; returns it and whether it is new. The same segment uploaded
    again (same seq and id: a retry whose answer was lost) is not stored twice; another segment
    with a seq already taken (a second browser, a cleared queue) is refused with ``seq_taken``
    and the next free seq, so the recorder renumbers it instead of losing it."""
    now = now or timezone.now()
    if not accepts_uploads(attempt, now):
        raise RecordingRefused(
            "finished", _("This attempt has ended; its recording is closed."), status=410
        )
    if len(data) > settings.RECORDING_SEGMENT_MAX_BYTES:
        raise RecordingRefused(
            "too_large",
            _("The segment is larger than the limit."),
            status=413,
            limit=settings.RECORDING_SEGMENT_MAX_BYTES,
        )
    if not looks_like_webm(data):
        raise RecordingRefused("not_webm", _("The segment is not a WebM video."))
    started_at = uploads.server_start(
        segment.sent_at_ms, segment.started_at_ms, now, attempt.created_at - CLOCK_SLACK
    )
    if started_at is None:
        raise RecordingRefused("bad_request", _("The segment started before the attempt."))

    existing = _existing(attempt, view, segment)
    if existing is not None:
        return existing, False
    row = RecordingSegment(
        attempt=attempt,
        view=view,
        seq=segment.seq,
        client_id=segment.client_id,
        started_at=started_at,
        duration_ms=segment.duration_ms,
        size=len(data),
    )
    try:
        uploads.save_with_file(row, "file", "segment.webm", data)
    except IntegrityError:
        existing = _existing(attempt, view, segment)  # a concurrent retry stored it first
        if existing is None:
            raise
        return existing, False
    if view == 1:
        # Voice detection reads the recording (proctoring.segment_audio): the live microphone
        # reaches the media process only while a proctor has the candidate in focus.
        from proctoring.tasks import analyze_segment_audio

        row_id = row.pk
        transaction.on_commit(lambda: analyze_segment_audio.delay(row_id))
    return row, True


def _existing(attempt: Attempt, view: int, segment: SegmentIn) -> RecordingSegment | None:
    existing = RecordingSegment.objects.filter(attempt=attempt, view=view, seq=segment.seq).first()
    if existing is None or existing.client_id == segment.client_id:
        return existing
    raise RecordingRefused(
        "seq_taken",
        _("Another segment has this sequence number."),
        status=409,
        next_seq=next_seq(attempt, view),
    )


# --- Review -----------------------------------------------------------------------------------


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def view_timeline(segments: list[RecordingSegment]) -> dict[str, Any]:
    """The segments of one view, in order, with the gaps between them (times in epoch ms)."""
    items: list[dict[str, Any]] = []
    gaps: list[dict[str, int]] = []
    previous_end: int | None = None
    for segment in sorted(segments, key=lambda s: (s.started_at, s.seq)):
        start = _ms(segment.started_at)
        if previous_end is not None and start - previous_end > GAP_MS:
            gaps.append({"start": previous_end, "end": start})
        items.append(
            {
                "id": segment.pk,
                "seq": segment.seq,
                "start": start,
                "duration": segment.duration_ms,
                "size": segment.size,
            }
        )
        end = start + segment.duration_ms
        previous_end = end if previous_end is None else max(previous_end, end)
    return {"segments": items, "gaps": gaps}


def review_timeline(attempt: Attempt) -> dict[str, Any]:
    """What the review page's player needs: each view's segments and gaps, the alerts as spans,
    and the span of the whole timeline (epoch ms)."""
    segments = list(RecordingSegment.objects.filter(attempt=attempt))
    views = {str(view): view_timeline([s for s in segments if s.view == view]) for view in VIEWS}
    alert_rows = list(attempt.alerts.order_by("opened_at"))
    alerts = [
        {
            "id": alert.pk,
            "kind": alert.kind,
            "label": str(alert.get_kind_display()),
            "severity": alert.severity,
            "severity_label": str(alert.get_severity_display()),
            "confidence": round(alert.confidence, 3),
            "view": alert.view,
            "start": _ms(alert.opened_at),
            "end": _ms(alert.closed_at or alert.last_seen_at),
        }
        for alert in alert_rows
    ]
    moments = [s["start"] for v in views.values() for s in v["segments"]]
    moments += [s["start"] + s["duration"] for v in views.values() for s in v["segments"]]
    moments += [a["start"] for a in alerts] + [a["end"] for a in alerts]
    for moment in (attempt.started_at, attempt.submitted_at):
        if moment is not None:
            moments.append(_ms(moment))
    start = min(moments) if moments else _ms(attempt.created_at)
    end = max(moments) if moments else start
    # The stretches the player may skip: no alert and no motion (proctoring.activity).
    spans = [
        (_ms(alert.opened_at), _ms(alert.closed_at or alert.last_seen_at)) for alert in alert_rows
    ]
    quiet = activity.attempt_quiet_spans(attempt, spans)
    return {
        "views": views,
        "alerts": alerts,
        "quiet": [{"start": s, "end": e} for s, e in quiet],
        "start": start,
        "end": max(end, start + 1000),
        "gap_ms": GAP_MS,
    }


# --- Retention --------------------------------------------------------------------------------


def purge_recordings(now: dt.datetime | None = None) -> int:
    """Delete segments and room scans (files and rows) received more than
    ``RECORDING_RETENTION_DAYS`` ago; returns how many went."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.RECORDING_RETENTION_DAYS)
    count = delete_with_files(RecordingSegment.objects.filter(created_at__lt=cutoff), "file")
    scans = delete_with_files(RoomScan.objects.filter(created_at__lt=cutoff), "file")
    if count or scans:
        logger.info(
            "purged %d recording segments and %d room scans received before %s",
            count,
            scans,
            cutoff,
        )
    return count + scans
