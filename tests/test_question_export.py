"""A bank exported as Moodle XML reads back through the platform's own importer identically."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from questionbank import moodle
from questionbank.importing import import_file
from questionbank.models import Question, Subject

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

FIXTURES = Path(__file__).parent / "fixtures" / "questions"
FIELDS = ("kind", "text", "options", "answer", "points", "chapter", "explanation")


def _rows(subject: Subject) -> list[tuple[object, ...]]:
    return sorted(
        (tuple(repr(getattr(q, f)) for f in FIELDS) for q in subject.questions.all()),
    )


def test_moodle_xml_export_round_trips(tmp_path: Path) -> None:
    source = Subject.objects.create(code="A1", name="源")
    report = import_file(source, (FIXTURES / "good.gift").read_bytes(), "good.gift", dry_run=False)
    assert report.ok, report.as_dict()
    Question.objects.create(
        subject=source,
        kind=Question.Kind.MULTIPLE,
        text="三个正确 <b>不是标签</b> & 符号",
        options=[
            {"key": k, "text": t} for k, t in zip("ABCD", ["甲", "乙", "丙", "丁"], strict=True)
        ],
        answer=["A", "B", "D"],
        points=3,
        chapter="第二章/网络",
        explanation="多行\n说明",
    )
    skipped = Question.objects.create(
        subject=source, kind=Question.Kind.FILL_IN, text="____ 和 ____", answer=[["a"], ["b"]]
    )
    path = tmp_path / "bank.xml"
    errors = StringIO()

    call_command("export_questions", "--subject", "A1", "-o", str(path), stderr=errors)

    assert "1 fill-in" in errors.getvalue()
    _drafts, issues = moodle.read(path.read_bytes(), "bank.xml")
    assert not issues
    target = Subject.objects.create(code="B1", name="目标")
    assert import_file(target, path.read_bytes(), "bank.xml", dry_run=False).ok
    skipped.delete()
    assert _rows(target) == _rows(source)


def test_the_bank_page_downloads_moodle_xml(personas: object) -> None:
    from django.test import Client

    from audit.models import AuditEntry
    from tests.personas import PASSWORD

    subject = Subject.objects.create(code="C1", name="下载")
    assert import_file(
        subject, (FIXTURES / "good.gift").read_bytes(), "good.gift", dry_run=False
    ).ok
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    assert "/questionbank/C1/export/moodle.xml" in client.get("/questionbank/C1/").content.decode()

    response = client.get("/questionbank/C1/export/moodle.xml")

    assert response.status_code == 200
    assert 'filename="C1-moodle.xml"' in response["Content-Disposition"]
    drafts, issues = moodle.read(response.content, "C1-moodle.xml")
    assert len(drafts) == 7 and not issues
    assert AuditEntry.objects.filter(action="questionbank.exported").exists()


def _qti_bank() -> Subject:
    source = Subject.objects.create(code="Q1", name="源")
    report = import_file(source, (FIXTURES / "good.gift").read_bytes(), "good.gift", dry_run=False)
    assert report.ok, report.as_dict()
    Question.objects.create(
        subject=source,
        kind=Question.Kind.MULTIPLE,
        text="三个正确 <b>不是标签</b> & 符号\n第二行",
        options=[
            {"key": k, "text": t} for k, t in zip("ABCD", ["甲", "乙", "丙", "丁"], strict=True)
        ],
        answer=["A", "B", "D"],
        points=3,
    )
    Question.objects.create(
        subject=source,
        kind=Question.Kind.FILL_IN,
        text="____ 和 ____ 是传输层协议。",
        answer=[["TCP", "tcp"], ["UDP"]],
        points=4,
    )
    Question.objects.create(
        subject=source,
        kind=Question.Kind.SHORT_ANSWER,
        text="简述。",
        answer="多行\n参考",
        points=5,
    )
    return source


QTI_FIELDS = ("kind", "text", "options", "answer", "points")


def _qti_rows(subject: Subject) -> list[tuple[object, ...]]:
    return sorted(
        (tuple(repr(getattr(q, f)) for f in QTI_FIELDS) for q in subject.questions.all()),
    )


def test_qti_package_export_round_trips(tmp_path: Path) -> None:
    import zipfile

    from questionbank import qti

    source = _qti_bank()
    Question.objects.create(
        subject=source,
        kind=Question.Kind.SINGLE,
        text="已停用的题",
        options=[{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}],
        answer="A",
        retired=True,
    )
    path = tmp_path / "bank.zip"

    call_command("export_questions", "--subject", "Q1", "--format", "qti", "-o", str(path))

    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = archive.read("imsmanifest.xml").decode()
        first = archive.read(sorted(n for n in names if n.startswith("items/"))[0]).decode()
    assert "imsqti_item_xmlv3p0" in manifest
    assert 'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"' in first
    active = source.questions.active().count()
    assert active == 10
    assert len([n for n in names if n.startswith("items/")]) == active
    drafts, issues = qti.read(data, "bank.zip")
    assert not issues and len(drafts) == active
    target = Subject.objects.create(code="Q2", name="目标")
    assert import_file(target, data, "bank.zip", dry_run=False).ok
    assert _qti_rows(target) == sorted(
        tuple(repr(getattr(q, f)) for f in QTI_FIELDS) for q in source.questions.active()
    )


def test_the_export_command_needs_a_file_for_qti() -> None:
    from django.core.management.base import CommandError

    Subject.objects.create(code="Q3", name="空")
    with pytest.raises(CommandError, match="-o FILE"):
        call_command("export_questions", "--subject", "Q3", "--format", "qti")


def test_the_bank_page_downloads_a_qti_package(personas: object) -> None:
    from django.test import Client

    from audit.models import AuditEntry
    from questionbank import qti
    from tests.personas import PASSWORD

    subject = _qti_bank()
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    page = client.get(f"/questionbank/{subject.code}/").content.decode()
    assert f"/questionbank/{subject.code}/export/qti3.zip" in page
    assert "Download as QTI 3.0" in page

    response = client.get(f"/questionbank/{subject.code}/export/qti3.zip")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="Q1-qti3.zip"' in response["Content-Disposition"]
    drafts, issues = qti.read(response.content, "Q1-qti3.zip")
    assert len(drafts) == subject.questions.count() and not issues
    entry = AuditEntry.objects.get(action="questionbank.exported")
    assert entry.data["format"] == "qti-3.0"
