"""The room scan (issue #13): before answering, the paired phone (view 2) records a slow full
turn of the room, kept with the attempt and shown on the review page.

The phone's page records the scan with MediaRecorder as one self-contained WebM file and sends
it through ``static/js/recorder.js``'s queue (IndexedDB, retries with back-off), to an endpoint
that speaks the recorder's upload protocol (``recordings.parse_segment``): a retry of the same
scan is stored once. Only the phone paired to the attempt in force may upload, and only from
the moment the phone's stream has arrived (the flow's second-view step is done) until answering
starts; the candidate may scan again as often as they like until then. The first complete scan
takes the flow's room-scan step (``exams.services.room_scanned``), and the computer's page goes
on. Scans are purged with the recordings (``recordings.purge_recordings``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from exams import services, statuses
from exams.models import Attempt
from exams.statuses import AttemptStatus
from proctoring import pairing, uploads
from proctoring.models import RoomScan
from proctoring.recordings import CLOCK_SLACK, RecordingRefused, SegmentIn, looks_like_webm

# The phone's clock between the start and the stop of the recorder is not the file's own
# duration to the millisecond: this much over the maximum is still the same scan.
DURATION_SLACK_MS = 3000


def required(attempt: Attempt) -> bool:
    exam = attempt.registration.exam
    return exam.requires_second_view and exam.requires_room_scan


def accepting(attempt: Attempt) -> bool:
    """Whether a scan may be recorded now: an exam that asks for one, from the end of the
    second-view step (the phone streams) until answering starts."""
    if not required(attempt) or attempt.status not in statuses.STEPS:
        return False
    position = statuses.STEPS.index(attempt.status)
    return (
        statuses.STEPS.index(AttemptStatus.SECOND_VIEW_CONNECTED)
        <= position
        < statuses.STEPS.index(AttemptStatus.ANSWERING)
    )


def step_done(attempt: Attempt) -> bool:
    """Whether the flow has gone past its room-scan step (or never had one)."""
    return services.next_step(attempt) != AttemptStatus.ROOM_SCANNED


def phone_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    """The attempt the phone of this session is paired to, if it is ``attempt_id``; anything
    else (an unpaired or replaced phone, another attempt's phone, a signed-in candidate) is
    refused, with the same answer whether or not the attempt exists."""
    if pairing.phone_attempt_id(request.session) != attempt_id:
        raise RecordingRefused(
            "not_paired",
            _(
                "This phone is not paired with this exam. Scan the code shown on the exam "
                "computer again."
            ),
            status=403,
        )
    return Attempt.objects.select_related("registration__exam").get(pk=attempt_id)


def next_seq(attempt: Attempt) -> int:
    last = RoomScan.objects.filter(attempt=attempt).aggregate(m=Max("seq"))["m"]
    return 0 if last is None else last + 1


def phone_state(attempt: Attempt) -> dict[str, Any]:
    """What the phone's page needs: whether to offer the scan, how long it lasts, how many
    scans are stored, and the recorder's next sequence number."""
    return {
        "next_seq": next_seq(attempt),
        "required": required(attempt),
        "accepting": accepting(attempt),
        "scans": RoomScan.objects.filter(attempt=attempt).count(),
        "min_seconds": settings.ROOM_SCAN_MIN_SECONDS,
        "max_seconds": settings.ROOM_SCAN_MAX_SECONDS,
    }


def _check(segment: SegmentIn, data: bytes) -> None:
    minimum = settings.ROOM_SCAN_MIN_SECONDS
    if segment.duration_ms < minimum * 1000:
        raise RecordingRefused(
            "too_short",
            _(
                "The room scan is too short. Press “Start room scan” again and turn the phone "
                "slowly through a full circle for at least %(seconds)s seconds."
            )
            % {"seconds": minimum},
            min_seconds=minimum,
        )
    if segment.duration_ms > settings.ROOM_SCAN_MAX_SECONDS * 1000 + DURATION_SLACK_MS:
        raise RecordingRefused(
            "too_long",
            _("The room scan is longer than %(seconds)s seconds. Record it again.")
            % {"seconds": settings.ROOM_SCAN_MAX_SECONDS},
        )
    if len(data) > settings.ROOM_SCAN_MAX_BYTES:
        raise RecordingRefused(
            "too_large",
            _("The room scan's file is larger than the limit. Record it again."),
            status=413,
            limit=settings.ROOM_SCAN_MAX_BYTES,
        )
    if not looks_like_webm(data):
        raise RecordingRefused(
            "not_webm", _("The room scan is not a WebM video. Record it again on the phone's page.")
        )


def store_scan(
    attempt_id: int, segment: SegmentIn, data: bytes, *, now: dt.datetime | None = None
) -> tuple[RoomScan, bool]:
    """Store one uploaded scan; returns it and whether it is new. Raises ``RecordingRefused``
    (nothing stored) for a scan out of time, too short or too long, too large or not WebM. A
    retry of a stored scan (same seq and id) returns it; another scan with a taken seq is
    refused with ``seq_taken`` and the next free one (the recorder renumbers it)."""
    now = now or timezone.now()
    _check(segment, data)
    with transaction.atomic():
        # The attempt's row lock orders this with the flow's moves (answering starting now).
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("registration__exam")
            .get(pk=attempt_id)
        )
        existing = RoomScan.objects.filter(attempt=attempt, seq=segment.seq).first()
        if existing is not None:
            if existing.client_id == segment.client_id:
                return existing, False
            raise RecordingRefused(
                "seq_taken",
                _("Another room scan has this number."),
                status=409,
                next_seq=next_seq(attempt),
            )
        if not accepting(attempt):
            raise RecordingRefused(
                "closed",
                _(
                    "The room scan can be recorded only after the phone camera is connected "
                    "and before answering starts."
                )
                if required(attempt)
                else _("This exam does not ask for a room scan."),
                status=410,
            )
        started_at = uploads.server_start(
            segment.sent_at_ms, segment.started_at_ms, now, attempt.created_at - CLOCK_SLACK
        )
        if started_at is None:
            raise RecordingRefused("bad_request", _("The room scan started before the attempt."))
        scan = RoomScan(
            attempt=attempt,
            seq=segment.seq,
            client_id=segment.client_id,
            started_at=started_at,
            duration_ms=segment.duration_ms,
            size=len(data),
        )

        def taken() -> None:
            record(
                "attempt.room_scan",
                target=attempt,
                scan=scan.pk,
                seq=scan.seq,
                duration_ms=scan.duration_ms,
                size=scan.size,
                sha256=scan.sha256,
            )
            if services.next_step(attempt) == AttemptStatus.ROOM_SCANNED:
                services.room_scanned(attempt)

        try:
            uploads.save_with_file(scan, "file", "scan.webm", data, then=taken)
        except IntegrityError:
            raise RecordingRefused(
                "seq_taken",
                _("Another room scan has this number."),
                status=409,
                next_seq=next_seq(attempt),
            ) from None
    return scan, True


def computer_state(attempt: Attempt) -> dict[str, Any]:
    """What the candidate's room-scan step shows: whether a complete scan is stored (the step
    is done) and how many."""
    return {
        "done": step_done(attempt),
        "scans": RoomScan.objects.filter(attempt=attempt).count(),
    }


def for_review(attempt: Attempt) -> list[RoomScan]:
    return list(RoomScan.objects.filter(attempt=attempt).order_by("seq"))
