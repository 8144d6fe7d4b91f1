"""An attempt's evidence package: one ZIP file a reviewer, an appeal panel or a court can check
without this platform's database.

Layout::

    manifest.json       what the package holds, in order, with each item's SHA-256 and link
    signature.json      the Ed25519 signature of manifest.json's bytes and the key's id
    items/...           the items themselves

Items, in this order: the attempt's summary; every recording segment (view by view, in
sequence order); every room scan; the frames of the identity checks; the evidence frames kept
for review (random snapshots, alert frames, proctors' screenshots, screen stills; the frames
merely sampled for analysis are not evidence of anything and are left out); the audio chunks
(the microphone's clips the voice detection heard, a talking alert's evidence); the identity
checks' outcomes; the alerts; the decisions (proctors' decisions on alerts, violations
recorded, warnings sent); the event log (what the exam page reported and the audit trail of
the attempt and its alerts).

The hash chain: ``link_0 = SHA-256("open-proctor-evidence/1" NUL attempt id)`` and
``link_i = SHA-256(link_{i-1} ‖ name_i NUL ‖ sha256_i)``; the manifest carries every link
and the last one as ``chain_head``. The signature covers the manifest, so it covers each item's
hash and the chain; the chain also lets a part of the package be checked on its own, in order.

A file stored with a hash at arrival (``proctoring.uploads``) must still have that hash when it
is packaged: a file changed in storage since it arrived is refused by name, not packaged.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from core.errors import Refused
from custody import keys
from exams.models import Attempt, IdentityCheck
from proctoring.models import AudioChunk, EvidenceFrame, RecordingSegment, RoomScan

FORMAT = "open-proctor-evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
ITEMS = "items/"


class PackageRefused(Refused):
    """The package cannot be built; the message names the item and the reason."""


def chain_start(attempt_id: int) -> bytes:
    return hashlib.sha256(f"{FORMAT}\0{attempt_id}".encode()).digest()


def chain_next(previous: bytes, name: str, sha256_hex: str) -> bytes:
    return hashlib.sha256(previous + name.encode() + b"\0" + bytes.fromhex(sha256_hex)).digest()


def dumps(data: Any) -> bytes:
    """JSON as the package writes it: the same data always gives the same bytes."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1, default=str).encode()


@dataclass(frozen=True)
class Item:
    name: str
    read: Callable[[], bytes]
    # The hash taken when the file arrived ("" for an item made now, None for a file stored
    # before the platform hashed uploads).
    arrival_sha256: str | None = ""


def _file_item(name: str, field: Any, arrival: str) -> Item:
    def read() -> bytes:
        with field.open("rb") as handle:
            data: bytes = handle.read()
        return data

    return Item(name, read, arrival or None)


def _stored_item(name: str, storage: Any, stored: str, arrival: str) -> Item:
    def read() -> bytes:
        with storage.open(stored, "rb") as handle:
            data: bytes = handle.read()
        return data

    return Item(name, read, arrival or None)


def _json_item(name: str, make: Callable[[], Any]) -> Item:
    return Item(name, lambda: dumps(make()))


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _user(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _summary(attempt: Attempt) -> dict[str, Any]:
    registration = attempt.registration
    return {
        "attempt": attempt.pk,
        "number": attempt.number,
        "exam": {"id": registration.exam_id, "title": registration.exam.title},
        "registration": registration.pk,
        "candidate": registration.candidate_id,
        "room": registration.room_id,
        "status": attempt.status,
        "signed_in_at": _iso(attempt.created_at),
        "started_at": _iso(attempt.started_at),
        "deadline": _iso(attempt.deadline),
        "submitted_at": _iso(attempt.submitted_at),
        "score": attempt.score,
        "max_score": attempt.max_score,
    }


def _identity(attempt: Attempt) -> list[dict[str, Any]]:
    checks = IdentityCheck.objects.filter(attempt=attempt).select_related("reviewed_by")
    return [
        {
            "id": check.pk,
            "method": check.method,
            "challenge": check.challenge,
            "status": check.status,
            "frames": len(check.frames or []),
            "distance": check.distance,
            "threshold": check.threshold,
            "live": check.live,
            "problem": check.problem_code,
            "created_at": _iso(check.created_at),
            "decided_at": _iso(check.decided_at),
            "reviewed_by": _user(check.reviewed_by),
            "review_note": check.review_note,
        }
        for check in checks.order_by("created_at", "pk")
    ]


def _alerts(attempt: Attempt) -> list[dict[str, Any]]:
    return [
        {
            "id": alert.pk,
            "kind": alert.kind,
            "view": alert.view,
            "severity": alert.severity,
            "status": alert.status,
            "confidence": alert.confidence,
            "count": alert.count,
            "opened_at": _iso(alert.opened_at),
            "last_seen_at": _iso(alert.last_seen_at),
            "closed_at": _iso(alert.closed_at),
            "evidence_frame": alert.evidence_id,
            "evidence_audio": alert.audio_evidence_id,
            "detail": alert.detail,
        }
        for alert in attempt.alerts.order_by("opened_at", "pk")
    ]


def _decisions(attempt: Attempt) -> dict[str, Any]:
    alerts = attempt.alerts.exclude(decision="").select_related("decided_by")
    return {
        "alerts": [
            {
                "alert": alert.pk,
                "decision": alert.decision,
                "note": alert.decision_note,
                "by": _user(alert.decided_by),
                "at": _iso(alert.decided_at),
            }
            for alert in alerts.order_by("decided_at", "pk")
        ],
        "violations": [
            {
                "id": v.pk,
                "kind": v.kind,
                "note": v.note,
                "by": _user(v.recorded_by),
                "at": _iso(v.at),
            }
            for v in attempt.violations.select_related("recorded_by").order_by("at", "pk")
        ],
        "messages": [
            {
                "id": m.pk,
                "kind": m.kind,
                "text": m.text,
                "by": _user(m.sender),
                "sent_at": _iso(m.sent_at),
                "read_at": _iso(m.read_at),
            }
            for m in attempt.proctor_messages.select_related("sender").order_by("sent_at", "pk")
        ],
    }


def _event_log(attempt: Attempt) -> dict[str, Any]:
    alert_ids = [str(pk) for pk in attempt.alerts.values_list("pk", flat=True)]
    audit = AuditEntry.objects.filter(
        Q(target_type=Attempt._meta.label_lower, target_id=str(attempt.pk))
        | Q(target_type="proctoring.alert", target_id__in=alert_ids)
    ).order_by("at", "pk")
    return {
        "page_events": [
            {
                "kind": e.kind,
                "at": _iso(e.at),
                "client_at": _iso(e.client_at),
                "action": e.action,
            }
            for e in attempt.events.order_by("at", "pk")
        ],
        "audit": [
            {
                "at": _iso(entry.at),
                "actor": entry.actor_label,
                "action": entry.action,
                "target": f"{entry.target_type}:{entry.target_id}",
                "data": entry.data,
            }
            for entry in audit
        ],
    }


EVIDENCE_KINDS = (
    EvidenceFrame.Kind.SNAPSHOT,
    EvidenceFrame.Kind.ALERT,
    EvidenceFrame.Kind.PROCTOR,
    EvidenceFrame.Kind.SCREEN,
)


def items_of(attempt: Attempt) -> list[Item]:
    """Every item of ``attempt``'s package, in the package's order."""
    found: list[Item] = [_json_item(f"{ITEMS}attempt.json", lambda: _summary(attempt))]
    for segment in RecordingSegment.objects.filter(attempt=attempt).order_by("view", "seq"):
        name = f"{ITEMS}recordings/view-{segment.view}/{segment.seq:06d}.webm"
        found.append(_file_item(name, segment.file, segment.sha256))
    for scan in RoomScan.objects.filter(attempt=attempt).order_by("seq"):
        found.append(_file_item(f"{ITEMS}room-scans/{scan.seq:04d}.webm", scan.file, scan.sha256))
    for check in IdentityCheck.objects.filter(attempt=attempt).order_by("created_at", "pk"):
        storage = check.image.storage
        hashes = list(check.frame_hashes or [])
        for index, stored in enumerate(check.frames or []):
            name = f"{ITEMS}identity/{check.pk:09d}-{index:02d}.jpg"
            arrival = hashes[index] if index < len(hashes) else ""
            found.append(_stored_item(name, storage, stored, arrival))
    frames = EvidenceFrame.objects.filter(attempt=attempt, kind__in=EVIDENCE_KINDS)
    for frame in frames.order_by("captured_at", "pk"):
        name = f"{ITEMS}frames/{frame.pk:09d}-{frame.kind}-view-{frame.view}.jpg"
        found.append(_file_item(name, frame.image, frame.sha256))
    for chunk in AudioChunk.objects.filter(attempt=attempt).order_by("captured_at", "pk"):
        found.append(_file_item(f"{ITEMS}audio/{chunk.pk:09d}.wav", chunk.audio, chunk.sha256))
    found.append(_json_item(f"{ITEMS}identity-checks.json", lambda: _identity(attempt)))
    found.append(_json_item(f"{ITEMS}alerts.json", lambda: _alerts(attempt)))
    found.append(_json_item(f"{ITEMS}decisions.json", lambda: _decisions(attempt)))
    found.append(_json_item(f"{ITEMS}event-log.json", lambda: _event_log(attempt)))
    return found


@dataclass(frozen=True)
class Built:
    # The package in a temporary file (deleted when closed): a 90-minute attempt's package is
    # hundreds of megabytes, more than a worker should hold in memory.
    file: IO[bytes]
    filename: str
    items: int
    chain_head: str
    key_id: str

    @property
    def data(self) -> bytes:
        self.file.seek(0)
        return self.file.read()


def _entries(
    attempt: Attempt, progress: Callable[[int, int], None]
) -> Iterator[tuple[Item, bytes]]:
    items = items_of(attempt)
    for done, item in enumerate(items, start=1):
        try:
            data = item.read()
        except OSError:
            raise PackageRefused(
                _("The stored file of %(item)s cannot be read; the package was not made.")
                % {"item": item.name}
            ) from None
        if item.arrival_sha256 and hashlib.sha256(data).hexdigest() != item.arrival_sha256:
            raise PackageRefused(
                _(
                    "The stored file of %(item)s no longer matches the hash taken when it "
                    "arrived; the package was not made."
                )
                % {"item": item.name}
            )
        yield item, data
        progress(done, len(items))


def build(
    attempt: Attempt,
    *,
    built_by: str = "",
    progress: Callable[[int, int], None] = lambda done, total: None,
    now: dt.datetime | None = None,
) -> Built:
    """Make ``attempt``'s package, signed with the current signing key."""
    now = now or timezone.now()
    signer = keys.signing_key()
    # Handed to the caller open (``Built.file``); closed here only if the build fails.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        return _write(attempt, out, signer, built_by, progress, now)
    except BaseException:
        out.close()
        raise


def _write(
    attempt: Attempt,
    out: IO[bytes],
    signer: Any,
    built_by: str,
    progress: Callable[[int, int], None],
    now: dt.datetime,
) -> Built:
    listed: list[dict[str, Any]] = []
    link = chain_start(attempt.pk)
    # Video and JPEG do not compress: stored as they are, so a reader can also check an item's
    # bytes in place; the JSON items are deflated.
    with zipfile.ZipFile(out, "w") as archive:
        for item, data in _entries(attempt, progress):
            digest = hashlib.sha256(data).hexdigest()
            link = chain_next(link, item.name, digest)
            listed.append(
                {
                    "name": item.name,
                    "size": len(data),
                    "sha256": digest,
                    "arrival_sha256": item.arrival_sha256,
                    "link": link.hex(),
                }
            )
            kind = zipfile.ZIP_DEFLATED if item.name.endswith(".json") else zipfile.ZIP_STORED
            archive.writestr(_info(item.name, now), data, compress_type=kind)
        manifest = dumps(
            {
                "format": FORMAT,
                "attempt": attempt.pk,
                "exam": attempt.registration.exam_id,
                "built_at": now.isoformat(),
                "built_by": built_by,
                "items": listed,
                "chain_head": link.hex(),
            }
        )
        public = signer.public_key()
        signature = {
            "algorithm": "Ed25519",
            "key_id": keys.key_id(public),
            "public_key": base64.b64encode(keys.raw_public(public)).decode(),
            "signature": base64.b64encode(signer.sign(manifest)).decode(),
        }
        archive.writestr(_info(MANIFEST, now), manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(_info(SIGNATURE, now), dumps(signature))
    out.seek(0)
    return Built(
        file=out,
        filename=f"evidence-attempt-{attempt.pk}-{now:%Y%m%d-%H%M%S}.zip",
        items=len(listed),
        chain_head=link.hex(),
        key_id=str(signature["key_id"]),
    )


def _info(name: str, now: dt.datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=now.timetuple()[:6])
    info.external_attr = 0o644 << 16
    return info
