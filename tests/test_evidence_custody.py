"""Issue 16, item 3: evidence you can prove. Every upload is hashed when it arrives; an
attempt's evidence package (built by a real Celery worker, with progress) carries a hash chain
and an Ed25519 signature; ``verify_evidence`` and the staff page verify it and name the first
altered item; a package with one byte changed or signed by another key is refused with a
reason, and verifying writes nothing."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any, cast

import pytest
from celery.contrib.testing.worker import start_worker
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from audit.models import AuditEntry
from config.celery import app
from custody import keys, package
from custody.verify import verify
from exams import identity
from jobs.models import BackgroundJob
from jobs.statuses import JobStatus
from proctoring import actions, uploads
from proctoring.media import sampling
from proctoring.models import (
    Alert,
    AlertKind,
    EvidenceFrame,
    RecordingSegment,
    RoomScan,
    Severity,
)
from tests.conftest import candidate_client
from tests.personas import PASSWORD, Personas
from tests.test_recordings import post, start, webm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def staff_client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def jpeg(shade: int = 90) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 120, 30)).save(out, format="JPEG")
    return out.getvalue()


def attempt_with_evidence(personas: Personas) -> Any:
    """Carol's attempt with three recorded segments (uploaded as her browser does), a proctor's
    screenshot and a decided alert."""
    attempt = start(personas)
    client = candidate_client(personas)
    for seq in range(3):
        assert post(client, attempt, seq).status_code == 201
    actions.take_screenshot(
        attempt,
        1,
        SimpleUploadedFile("s.jpg", jpeg(), content_type="image/jpeg"),
        "phone on the desk",
        actor=personas.paula,
    )
    now = timezone.now()
    alert = Alert.objects.create(
        attempt=attempt,
        kind=AlertKind.DEVICE,
        severity=Severity.HIGH,
        confidence=0.8,
        opened_at=now - dt.timedelta(seconds=30),
        last_seen_at=now,
    )
    actions.decide_alert(alert, "confirmed", "a phone, clearly", actor=personas.paula)
    return attempt


def segment_name(seq: int) -> str:
    return f"items/recordings/view-1/{seq:06d}.webm"


def flip_byte_inside(data: bytes, name: str, at: int = 100) -> bytes:
    """``data`` (a package) with one byte of item ``name``'s stored bytes changed in place."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    # The local header: 30 bytes, the name, the extra field; then the item's bytes.
    header = data[info.header_offset : info.header_offset + 30]
    start = (
        info.header_offset
        + 30
        + int.from_bytes(header[26:28], "little")
        + int.from_bytes(header[28:30], "little")
    )
    changed = bytearray(data)
    changed[start + at] ^= 0x01
    return bytes(changed)


def rewritten(data: bytes, replace: dict[str, bytes]) -> bytes:
    """The package written again with some entries replaced: the ZIP's own checksums are right,
    as a forger's tool would make them."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, replace.get(info.filename, source.read(info.filename)))
    return out.getvalue()


def test_every_upload_is_hashed_when_it_arrives(personas: Personas) -> None:
    attempt = attempt_with_evidence(personas)
    expected = hashlib.sha256(webm()).hexdigest()
    hashes = RecordingSegment.objects.filter(attempt=attempt).values_list("sha256", flat=True)
    assert set(hashes) == {expected}
    shot = EvidenceFrame.objects.get(attempt=attempt, kind=EvidenceFrame.Kind.PROCTOR)
    with shot.image.open("rb") as handle:
        assert shot.sha256 == hashlib.sha256(handle.read()).hexdigest()
    # A frame the media process samples from a live view.
    sampled = sampling.store_frame(attempt.pk, 2, jpeg(40), timezone.now())
    assert sampled is not None
    assert EvidenceFrame.objects.get(pk=sampled).sha256 == hashlib.sha256(jpeg(40)).hexdigest()


def test_identity_frames_are_hashed_and_packaged(personas: Personas) -> None:
    attempt = attempt_with_evidence(personas)
    check = identity.start_check(
        personas.carol, [jpeg(10), jpeg(200)], "turn_head", attempt=attempt
    )
    storage = check.image.storage
    for name, digest in zip(check.frames, check.frame_hashes, strict=True):
        with storage.open(name, "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == digest

    built = package.build(attempt)
    names = verify(built.file).items
    first = f"items/identity/{check.pk:09d}-00.jpg"
    assert first in names and "items/identity-checks.json" in names
    verdict = verify(io.BytesIO(flip_byte_inside(built.data, first, at=300)))
    assert (verdict.ok, verdict.item) == (False, first)


def test_room_scans_are_packaged_and_checked(personas: Personas) -> None:
    attempt = attempt_with_evidence(personas)
    scan = RoomScan(
        attempt=attempt,
        seq=0,
        client_id="scan-0000",
        started_at=timezone.now(),
        duration_ms=20000,
        size=len(webm(2.0)),
    )
    uploads.save_with_file(scan, "file", "scan.webm", webm(2.0))
    assert scan.sha256 == hashlib.sha256(webm(2.0)).hexdigest()

    built = package.build(attempt)
    assert "items/room-scans/0000.webm" in verify(built.file).items
    altered = flip_byte_inside(built.data, "items/room-scans/0000.webm", at=50)
    verdict = verify(io.BytesIO(altered))
    assert (verdict.ok, verdict.item) == (False, "items/room-scans/0000.webm")


def test_an_intact_package_verifies_and_lists_every_item(personas: Personas, tmp_path) -> None:
    attempt = attempt_with_evidence(personas)
    built = package.build(attempt, built_by="paula")
    path = tmp_path / built.filename
    path.write_bytes(built.data)

    verdict = verify(str(path))

    assert verdict.ok, verdict.reason
    assert verdict.attempt_id == attempt.pk
    assert verdict.key_id == keys.key_id(keys.signing_key().public_key())
    assert verdict.items[:4] == ["items/attempt.json", *(segment_name(n) for n in range(3))]
    assert any("-proctor-view-1.jpg" in name for name in verdict.items)
    assert verdict.items[-3:] == [
        "items/alerts.json",
        "items/decisions.json",
        "items/event-log.json",
    ]
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        decisions = json.loads(archive.read("items/decisions.json"))
        log = json.loads(archive.read("items/event-log.json"))
    # Each recording carries the hash taken when it arrived, which is the hash packaged.
    first = manifest["items"][1]
    assert first["sha256"] == first["arrival_sha256"] == hashlib.sha256(webm()).hexdigest()
    assert manifest["chain_head"] == verdict.chain_head == built.chain_head
    assert decisions["alerts"][0]["decision"] == "confirmed"
    assert decisions["alerts"][0]["by"] == "paula"
    assert "proctor.screenshot" in {entry["action"] for entry in log["audit"]}

    call_command("verify_evidence", str(path))  # exits 0


def test_one_byte_changed_fails_verification_at_that_item(personas: Personas, tmp_path) -> None:
    attempt = attempt_with_evidence(personas)
    built = package.build(attempt)

    # One byte flipped inside the second segment, in place.
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(flip_byte_inside(built.data, segment_name(1)))
    verdict = verify(str(flipped))
    assert not verdict.ok
    assert verdict.item == segment_name(1)
    assert verdict.reason == f"The item {segment_name(1)} has been altered."

    # The same change written by a tool that mends the ZIP's checksums: caught by the hash.
    with zipfile.ZipFile(io.BytesIO(built.data)) as archive:
        original = archive.read(segment_name(2))
    changed = original[:200] + bytes([original[200] ^ 1]) + original[201:]
    forged = tmp_path / "forged.zip"
    forged.write_bytes(rewritten(built.data, {segment_name(2): changed}))
    verdict = verify(str(forged))
    assert (verdict.ok, verdict.item) == (False, segment_name(2))

    # A changed decision (a JSON item) is named too.
    with zipfile.ZipFile(io.BytesIO(built.data)) as archive:
        decisions = archive.read("items/decisions.json")
    edited = decisions.replace(b'"confirmed"', b'"dismissed"')
    verdict = verify(io.BytesIO(rewritten(built.data, {"items/decisions.json": edited})))
    assert (verdict.ok, verdict.item) == (False, "items/decisions.json")

    # The manifest changed to match the altered item: the signature no longer matches it.
    with zipfile.ZipFile(io.BytesIO(built.data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["items"][3]["sha256"] = hashlib.sha256(changed).hexdigest()
    verdict = verify(
        io.BytesIO(
            rewritten(
                built.data,
                {segment_name(2): changed, "manifest.json": package.dumps(manifest)},
            )
        )
    )
    assert (verdict.ok, verdict.item) == (False, "manifest.json")
    assert "signature does not match" in verdict.reason

    # A manifest, signed by the platform's key, whose item differs from its hash at arrival.
    with zipfile.ZipFile(io.BytesIO(built.data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        signature = json.loads(archive.read("signature.json"))
    manifest["items"][1]["arrival_sha256"] = "0" * 64
    raw = package.dumps(manifest)
    signature["signature"] = base64.b64encode(keys.signing_key().sign(raw)).decode()
    replaced = {"manifest.json": raw, "signature.json": package.dumps(signature)}
    verdict = verify(io.BytesIO(rewritten(built.data, replaced)))
    assert (verdict.ok, verdict.item) == (False, segment_name(0))
    assert "not the file that arrived" in verdict.reason

    # An item added that the manifest does not list.
    out = io.BytesIO(built.data)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("items/frames/extra.jpg", jpeg())
    verdict = verify(io.BytesIO(out.getvalue()))
    assert (verdict.ok, verdict.item) == (False, "items/frames/extra.jpg")

    with pytest.raises(SystemExit) as exited:
        call_command("verify_evidence", str(flipped))
    assert exited.value.code == 1


def test_a_signature_by_another_key_is_refused(personas: Personas, settings: Any) -> None:
    attempt = attempt_with_evidence(personas)
    ours = settings.EVIDENCE_SIGNING_KEY
    theirs = keys.encode_private(Ed25519PrivateKey.generate())
    settings.EVIDENCE_SIGNING_KEY = theirs
    by_them = package.build(attempt)
    settings.EVIDENCE_SIGNING_KEY = ours

    verdict = verify(io.BytesIO(by_them.data))
    assert not verdict.ok
    assert verdict.item == "signature.json"
    assert "does not trust" in verdict.reason

    # Another key's signature presented under our key's id.
    built = package.build(attempt)
    with zipfile.ZipFile(io.BytesIO(built.data)) as archive:
        manifest = archive.read("manifest.json")
        signature = json.loads(archive.read("signature.json"))
    signature["signature"] = base64.b64encode(keys.parse_private(theirs).sign(manifest)).decode()
    resigned = rewritten(built.data, {"signature.json": package.dumps(signature)})
    verdict = verify(io.BytesIO(resigned))
    assert (verdict.ok, verdict.item) == (False, "manifest.json")


def test_packages_signed_before_a_rotation_still_verify(personas: Personas, settings: Any) -> None:
    attempt = attempt_with_evidence(personas)
    before = package.build(attempt)
    old_public = keys.signing_key().public_key()

    settings.EVIDENCE_SIGNING_KEY = keys.encode_private(Ed25519PrivateKey.generate())
    assert not verify(io.BytesIO(before.data)).ok  # the old key is no longer trusted ...
    settings.EVIDENCE_VERIFY_KEYS = [base64.b64encode(keys.raw_public(old_public)).decode()]
    assert verify(io.BytesIO(before.data)).ok  # ... until it is listed for verification
    assert verify(io.BytesIO(package.build(attempt).data)).ok  # the new key signs new ones


def test_a_file_changed_in_storage_since_it_arrived_is_not_packaged(personas: Personas) -> None:
    attempt = attempt_with_evidence(personas)
    segment = RecordingSegment.objects.get(attempt=attempt, seq=1)
    Path(segment.file.path).write_bytes(b"\x1a\x45\xdf\xa3 something else")

    with pytest.raises(package.PackageRefused) as refused:
        package.build(attempt)
    assert segment_name(1) in str(refused.value)
    assert "no longer matches the hash taken when it arrived" in str(refused.value)


def wait_until_finished(job: BackgroundJob, seconds: float = 60) -> BackgroundJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} still {job.status}")


@pytest.mark.django_db(transaction=True)
def test_staff_make_a_package_on_a_worker_and_verify_it_on_the_staff_page(
    personas: Personas, settings: Any
) -> None:
    settings.JOBS_PROGRESS_EVERY = 1
    attempt = attempt_with_evidence(personas)
    paula = staff_client("paula")
    evidence_page = paula.get(f"/vision/staff/attempts/{attempt.pk}/")
    assert f'action="/evidence/attempts/{attempt.pk}/package/"' in evidence_page.content.decode()
    review = paula.get(f"/proctor/attempts/{attempt.pk}/review/").content.decode()
    assert f'href="/vision/staff/attempts/{attempt.pk}/"' in review

    # Only staff who may see the attempt may ask for its package.
    assert staff_client("pete").post(f"/evidence/attempts/{attempt.pk}/package/").status_code == 404
    assert staff_client("olga").post(f"/evidence/attempts/{attempt.pk}/package/").status_code == 404
    assert (
        staff_client("ingrid").post(f"/evidence/attempts/{attempt.pk}/package/").status_code == 403
    )
    assert not BackgroundJob.objects.exists()

    with start_worker(
        app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
    ):
        response = paula.post(f"/evidence/attempts/{attempt.pk}/package/")
        assert response.status_code == 302
        job = BackgroundJob.objects.get()
        assert response["Location"] == f"/jobs/{job.pk}/"
        wait_until_finished(job)

    assert job.status == JobStatus.DONE, job.error
    assert job.result is not None
    items = job.result["items"]
    assert (job.done, job.total) == (items, items)  # progress counted every item
    page = paula.get(f"/jobs/{job.pk}/").content.decode()
    assert "The evidence package is ready" in page
    assert AuditEntry.objects.filter(action="evidence.package_built", target_id=str(attempt.pk))
    download = paula.get(f"/jobs/{job.pk}/download")
    data = b"".join(cast(Any, download).streaming_content)
    assert verify(io.BytesIO(data)).ok

    # Signed in before counting what verifying writes (signing in is audited).
    pete, olga, ingrid = staff_client("pete"), staff_client("olga"), staff_client("ingrid")
    carol = candidate_client(personas)
    audit_before = AuditEntry.objects.count()

    def upload(client: Client, body: bytes) -> Any:
        return client.post(
            "/evidence/verify/", {"package": SimpleUploadedFile("p.zip", body, "application/zip")}
        )

    intact = upload(paula, data)
    assert intact.status_code == 200
    assert "The package is intact" in intact.content.decode()

    altered = upload(paula, flip_byte_inside(data, segment_name(0), at=500))
    body = altered.content.decode()
    assert altered.status_code == 200
    assert "Refused" in body and f'<code id="altered-item">{segment_name(0)}</code>' in body

    not_a_package = upload(paula, b"PK\x03\x04 not really")
    assert not_a_package.status_code == 400
    assert "not an evidence package" in not_a_package.content.decode()
    assert paula.post("/evidence/verify/").status_code == 400

    # Staff who may not see the attempt learn nothing of its package.
    assert upload(pete, data).status_code == 404
    assert upload(olga, data).status_code == 404
    assert upload(ingrid, data).status_code == 403
    assert upload(carol, data).status_code == 403
    anonymous = upload(Client(), data)
    assert anonymous.status_code == 302 and "/accounts/" in anonymous["Location"]

    # Verifying wrote nothing.
    assert AuditEntry.objects.count() == audit_before
    assert BackgroundJob.objects.count() == 1


def test_the_commands_print_the_public_key_and_verify_with_it_alone(
    personas: Personas, settings: Any, tmp_path, capsys
) -> None:
    attempt = attempt_with_evidence(personas)
    path = tmp_path / "package.zip"
    path.write_bytes(package.build(attempt).data)

    call_command("evidence_key")
    output = capsys.readouterr().out
    assert settings.EVIDENCE_SIGNING_KEY not in output  # never the private key
    printed = output.split()
    assert printed[0] == "signing" and printed[1] == keys.key_id(keys.signing_key().public_key())
    public = printed[2]

    # An auditor's copy with another signing key trusts the published public key alone.
    settings.EVIDENCE_SIGNING_KEY = keys.encode_private(Ed25519PrivateKey.generate())
    with pytest.raises(SystemExit):
        call_command("verify_evidence", str(path))
    call_command("verify_evidence", str(path), "--public-key", public, "--json")
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["ok"] is True and verdict["attempt"] == attempt.pk
    other = base64.b64encode(keys.raw_public(Ed25519PrivateKey.generate().public_key())).decode()
    with pytest.raises(SystemExit):
        call_command("verify_evidence", str(path), "--public-key", other)
    assert "does not trust" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["not base64!", base64.b64encode(b"x" * 31).decode(), ""])
def test_a_key_that_is_not_32_base64_bytes_is_refused_by_both_parsers(text: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        keys.parse_private(text)
    with pytest.raises(ImproperlyConfigured):
        keys.parse_public(text)


def test_audio_chunks_are_packaged_in_the_chain_and_checked(personas: Personas, tmp_path) -> None:
    from proctoring.media.audio_sampling import store_chunk
    from proctoring.models import AudioChunk

    attempt = attempt_with_evidence(personas)
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200))
    chunk_id = store_chunk(attempt.pk, wav, timezone.now())
    assert chunk_id is not None
    chunk = AudioChunk.objects.get(pk=chunk_id)
    assert chunk.sha256 == hashlib.sha256(wav).hexdigest()  # hashed when it was stored
    Alert.objects.filter(attempt=attempt).update(audio_evidence=chunk)
    name = f"items/audio/{chunk.pk:09d}.wav"

    built = package.build(attempt)
    data = built.data
    verdict = verify(io.BytesIO(data))
    assert verdict.ok, verdict.reason
    assert name in verdict.items
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.read(name) == wav
        alerts = json.loads(archive.read("items/alerts.json"))
    entry = next(e for e in manifest["items"] if e["name"] == name)
    assert entry["sha256"] == entry["arrival_sha256"] == chunk.sha256
    assert alerts[0]["evidence_audio"] == chunk.pk

    # One byte of the clip changed in the package: verification fails at that item.
    broken = verify(io.BytesIO(flip_byte_inside(data, name, at=20)))
    assert not broken.ok and broken.item == name

    # The clip changed in storage since it was stored: no package is made.
    with chunk.audio.storage.open(chunk.audio.name, "wb") as handle:
        handle.write(wav[:-1] + b"\x00")
    with pytest.raises(package.PackageRefused, match="audio"):
        package.build(attempt)
