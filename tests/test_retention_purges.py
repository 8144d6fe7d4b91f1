"""Retention purges of issue #14: registered photos (PHOTO_RETENTION_DAYS) and faces
(FACE_TEMPLATE_RETENTION_DAYS) after the candidate's last exam, and the audit log
(AUDIT_RETENTION_DAYS), exported to a gzip JSON Lines file in storage before anything is
deleted; the purge is the one way audit entries are deleted."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from audit import retention
from audit.models import AuditEntry, AuditLogIsAppendOnly
from audit.services import record
from candidates.models import Candidate
from candidates.retention import purge_registered_photos
from exams.models import Exam
from tests import personas as personas_module
from tests.personas import Personas
from vision.models import FaceEnrolment, FaceTemplate
from vision.services import purge_face_templates
from vision.statuses import EnrolmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def close_days_ago(exam: Exam, days: int) -> None:
    closes = timezone.now() - dt.timedelta(days=days)
    Exam.objects.filter(pk=exam.pk).update(
        opens_at=closes - dt.timedelta(hours=4), closes_at=closes
    )


@pytest.fixture
def world(personas: Personas) -> dict[str, Candidate]:
    """carol: every exam closed 200 days ago. dave: the same, but registered for a later exam
    too. erin: her only exam closed 10 days ago. fay: registered for nothing yet."""
    close_days_ago(personas.formal, 200)
    close_days_ago(personas.trial, 201)
    later = personas_module.exam("LATER", Exam.Kind.FORMAL, opens_in=dt.timedelta(days=20))
    personas_module.register(later, personas.dave, personas.room_b, "LATER-1")
    erin = personas_module.candidate("11010519920101301", "Erin", personas.site)
    recent = personas_module.exam("RECENT", Exam.Kind.FORMAL)
    close_days_ago(recent, 10)
    personas_module.register(recent, erin, personas.room_a, "RECENT-1")
    fay = personas_module.candidate("11010519930101401", "Fay", personas.site)
    return {"carol": personas.carol, "dave": personas.dave, "erin": erin, "fay": fay}


def give_photo(candidate: Candidate) -> str:
    candidate.photo.save(f"{candidate.pk}.jpg", ContentFile(b"\xff\xd8 photo"), save=False)
    Candidate.objects.filter(pk=candidate.pk).update(
        photo=candidate.photo.name, photo_faces=1, photo_problem=""
    )
    return candidate.photo.name


def test_registered_photos_go_after_the_last_exam_and_the_others_stay(
    world: dict[str, Candidate], settings
) -> None:
    settings.PHOTO_RETENTION_DAYS = 180
    files = {name: give_photo(candidate) for name, candidate in world.items()}
    assert purge_registered_photos() == 1
    carol = Candidate.objects.get(pk=world["carol"].pk)
    assert not carol.photo and carol.photo_faces is None
    assert not default_storage.exists(files["carol"])
    for name in ("dave", "erin", "fay"):  # a later exam, a recent exam, no exam yet
        assert Candidate.objects.get(pk=world[name].pk).photo.name == files[name]
        assert default_storage.exists(files[name])
    assert purge_registered_photos() == 0  # nothing left to do


def give_face(candidate: Candidate, status: str = EnrolmentStatus.ENROLLED) -> FaceEnrolment:
    enrolment = FaceEnrolment.objects.create(
        candidate=candidate, status=status, source=FaceEnrolment.Source.REGISTERED_PHOTO
    )
    enrolment.image.save("face.jpg", ContentFile(b"\xff\xd8 face"))
    FaceTemplate.objects.create(enrolment=enrolment, encrypted=b"sealed", model="test")
    return enrolment


def test_faces_go_sooner_than_photos_and_only_after_the_last_exam(
    world: dict[str, Candidate], settings, django_capture_on_commit_callbacks
) -> None:
    settings.FACE_TEMPLATE_RETENTION_DAYS = 30
    # Erin's exam closed 10 days ago: inside 30 days. Closed 40 days ago it is past.
    faces = {name: give_face(world[name]) for name in ("carol", "dave", "erin")}
    image = faces["carol"].image.name
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_face_templates() == 1
    assert not FaceEnrolment.objects.filter(candidate=world["carol"]).exists()
    assert not FaceTemplate.objects.filter(enrolment_id=faces["carol"].pk).exists()
    assert not default_storage.exists(image)
    assert AuditEntry.objects.filter(
        action="face.purged", target_id=str(world["carol"].pk)
    ).exists()
    assert FaceTemplate.objects.filter(enrolment__candidate=world["dave"]).exists()
    assert FaceTemplate.objects.filter(enrolment__candidate=world["erin"]).exists()

    Exam.objects.filter(code="RECENT").update(
        opens_at=timezone.now() - dt.timedelta(days=40, hours=4),
        closes_at=timezone.now() - dt.timedelta(days=40),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_face_templates() == 1
    assert not FaceTemplate.objects.filter(enrolment__candidate=world["erin"]).exists()


def test_a_face_still_being_enrolled_is_left_for_the_next_run(
    world: dict[str, Candidate], settings
) -> None:
    settings.FACE_TEMPLATE_RETENTION_DAYS = 30
    give_face(world["carol"], status=EnrolmentStatus.PENDING)
    assert purge_face_templates() == 0


def aged(action: str, days: int) -> AuditEntry:
    entry = record(action, note="纪录")
    AuditEntry.objects.filter(pk=entry.pk).update(at=timezone.now() - dt.timedelta(days=days))
    entry.refresh_from_db()
    return entry


def read_export(name: str) -> list[dict]:
    with default_storage.open(name, "rb") as handle, gzip.GzipFile(fileobj=handle) as unpacked:
        return [json.loads(line) for line in unpacked]


def test_old_audit_entries_are_exported_then_deleted_and_recent_ones_stay(
    db: None, settings
) -> None:
    settings.AUDIT_RETENTION_DAYS = 365
    settings.AUDIT_EXPORT_BATCH = 2  # three old entries: two files
    old = [aged("old.first", 800), aged("old.second", 700), aged("old.third", 400)]
    recent = aged("recent.one", 30)
    exports = retention.purge_audit_log()
    assert [export.count for export in exports] == [2, 1]
    first = exports[0]
    assert first.name.startswith("audit-exports/audit-")
    stamp = f"{timezone.localtime(old[0].at):%Y%m%d}-{timezone.localtime(old[1].at):%Y%m%d}"
    assert stamp in first.name and first.name.endswith(".jsonl.gz")
    rows = read_export(exports[0].name) + read_export(exports[1].name)
    assert [row["id"] for row in rows] == [entry.pk for entry in old]
    assert rows[0]["action"] == "old.first" and rows[0]["data"] == {"note": "纪录"}
    assert not AuditEntry.objects.filter(pk__in=[entry.pk for entry in old]).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()
    purged = AuditEntry.objects.filter(action="audit.purged").order_by("id")
    assert [entry.data["entries"] for entry in purged] == [2, 1]
    assert retention.purge_audit_log() == []


def test_nothing_is_deleted_when_the_export_cannot_be_written(
    db: None, settings, monkeypatch
) -> None:
    settings.AUDIT_RETENTION_DAYS = 365
    old = aged("old.entry", 800)

    def full_disk(name, content, max_length=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(default_storage, "save", full_disk)
    with pytest.raises(OSError):
        retention.purge_audit_log()
    assert AuditEntry.objects.filter(pk=old.pk).exists()


def test_audit_entries_cannot_be_deleted_any_other_way(db: None) -> None:
    entry = record("something.done")
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_purges_are_scheduled_daily(settings) -> None:
    tasks = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in (
        "candidates.purge_registered_photos",
        "vision.purge_face_templates",
        "audit.purge_old_entries",
    ):
        assert tasks[task] == 24 * 3600.0
