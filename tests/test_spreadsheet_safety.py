"""Spreadsheets in and out are safe (core.spreadsheets): a workbook that would unpack to a sheet
of a million empty rows is refused before it is parsed, in well under a second and writing
nothing, at the candidate import and at the question import; rows are capped, empty ones
included; and text that a spreadsheet program would run as a formula is exported as plain
text."""

from __future__ import annotations

import io
import time
import zipfile
from typing import TYPE_CHECKING, Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from candidates import imports
from candidates.models import Candidate
from certification.models import Enrolment
from config.celery import app
from core import spreadsheets
from jobs import services
from jobs.models import BackgroundJob
from jobs.statuses import JobStatus
from questionbank.importing import import_file
from questionbank.models import Subject
from tests import certification_world
from tests.certification_world import HEADERS, id_number, xlsx
from tests.personas import PASSWORD

if TYPE_CHECKING:
    from tests.personas import Personas

pytestmark = pytest.mark.usefixtures("english")

SHEET = "xl/worksheets/sheet1.xml"
DANGEROUS = ['=HYPERLINK("http://evil.example","Click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"]


def with_sheet(body: bytes) -> bytes:
    """A real workbook whose first sheet is replaced by ``body`` (deflated, as Excel does)."""
    workbook = Workbook()
    source = io.BytesIO()
    workbook.save(source)
    original = zipfile.ZipFile(source)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in original.infolist():
            data = body if item.filename == SHEET else original.read(item.filename)
            target.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
TAIL = b"</sheetData></worksheet>"


def empty_rows(count: int) -> bytes:
    return HEAD + b"<row/>" * count + TAIL


def header_then_row(last: int) -> bytes:
    """The candidate template's header, then nothing until an empty row numbered ``last``: a
    tiny part that openpyxl still hands out as ``last`` rows."""
    cells = b"".join(
        b'<c t="inlineStr"><is><t>%s</t></is></c>' % header.encode() for header in HEADERS
    )
    return HEAD + b'<row r="1">' + cells + b'</row><row r="%d"/>' % last + TAIL


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = with_sheet(empty_rows(1_000_000))
    assert len(data) < 64 * 1024  # a few kilobytes that unpack to a million rows
    return data


@pytest.fixture
def world(personas: Personas) -> certification_world.World:
    return certification_world.build(personas)


def staff(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_reader_refuses_the_bomb_before_parsing_it(bomb: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(spreadsheets.SpreadsheetRefused) as refused:
        list(spreadsheets.read_rows(bomb))
    assert time.monotonic() - started < 0.5
    assert refused.value.code == "too_compressed"
    assert "empty rows" in str(refused.value.message)


def test_the_candidate_import_refuses_the_bomb_fast_and_writes_nothing(world, bomb) -> None:
    started = time.monotonic()
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_candidates(bomb, world.institution)
    assert time.monotonic() - started < 0.5
    assert "Delete the empty rows below your data" in str(refused.value.message)
    assert not Candidate.objects.filter(institution=world.institution).exists()


def test_the_question_import_refuses_the_bomb_fast_and_writes_nothing(personas, bomb) -> None:
    subject = Subject.objects.create(code="00015", name="英语（二）")
    started = time.monotonic()
    report = import_file(subject, bomb, "bomb.xlsx", dry_run=False)
    assert time.monotonic() - started < 0.5
    assert len(report.issues) == 1  # one problem with the file as a whole
    assert "empty rows" in report.issues[0].message and report.issues[0].row is None
    assert not subject.questions.exists()


def test_rows_are_capped_empty_ones_included(world) -> None:
    data = with_sheet(header_then_row(1_000_000))  # packed loosely: only the row cap stops it
    started = time.monotonic()
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_candidates(data, world.institution)
    assert time.monotonic() - started < 5
    assert refused.value.code == "too_many_rows"
    assert "more than 60000 rows (empty rows count too)" in str(refused.value.message)
    assert not Candidate.objects.filter(institution=world.institution).exists()


def test_the_row_cap_is_a_setting(world, settings) -> None:
    settings.SPREADSHEET_MAX_ROWS = 100
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_candidates(with_sheet(header_then_row(101)), world.institution)
    assert refused.value.code == "too_many_rows"
    report = imports.import_candidates(with_sheet(header_then_row(100)), world.institution)
    assert report.ok and report.rows == 0  # 99 empty rows under the header are fine
    good = xlsx([["王小明", id_number(701), "13800138000", "HGJL-M", "470201"]])
    assert imports.import_candidates(good, world.institution).imported == 1


def test_what_a_workbook_unpacks_to_is_capped(world, settings) -> None:
    settings.SPREADSHEET_MAX_UNPACKED_BYTES = 10_000
    good = xlsx([["王小明", id_number(701), "13800138000", "HGJL-M", "470201"]])
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_candidates(good, world.institution)
    assert refused.value.code == "too_large"
    assert not Candidate.objects.filter(institution=world.institution).exists()


def assert_plain_text(cell: object, expected: str) -> None:
    assert cell.value == expected  # type: ignore[attr-defined]
    assert cell.data_type == "s"  # type: ignore[attr-defined]  # a string, not a formula ("f")


def test_the_candidate_export_writes_formulas_as_plain_text(world, personas) -> None:
    for serial, name in enumerate(DANGEROUS, start=1):
        certification_world.verified_candidate(world, serial, name, site=personas.site)
    response = staff("sam").get("/candidates/export.xlsx")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheet_xml = archive.read(next(n for n in archive.namelist() if "worksheets/" in n))
    assert b"<f>" not in sheet_xml
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    names = {row[0].value: row[0] for row in sheet.iter_rows(min_row=2)}
    assert set(DANGEROUS) <= set(names)
    for name in DANGEROUS:
        assert_plain_text(names[name], name)
        assert names[name].quotePrefix  # stays text when someone edits the cell


def test_the_plan_export_writes_formulas_as_plain_text(world, personas) -> None:
    plan = certification_world.plan(world)
    name = DANGEROUS[0]
    candidate = certification_world.verified_candidate(world, 1, name, site=personas.site)
    Enrolment.objects.create(plan=plan, candidate=candidate, site=personas.site)
    response = staff("oscar").get(f"/cert/plans/{plan.pk}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert_plain_text(sheet["A2"], name)
    assert sheet["B2"].value == candidate.id_number


def test_safe_row_keeps_ordinary_values() -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    row = spreadsheets.safe_row(sheet, ["张三", 3, None, 2.5, "a=b", "\tx", "\rx"])
    assert row[:5] == ["张三", 3, None, 2.5, "a=b"]
    assert [getattr(cell, "data_type", None) for cell in row[5:]] == ["s", "s"]


def wait_until_finished(job: BackgroundJob, seconds: float = 60) -> BackgroundJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job.pk} still {job.status}")


@pytest.mark.django_db(transaction=True)
def test_both_import_pages_hand_the_bomb_to_a_worker_with_a_time_limit(personas, bomb) -> None:
    world = certification_world.build(personas)
    subject = Subject.objects.create(code="00015", name="英语（二）")
    limits: dict[int, object] = {}

    # The worker may also take tasks earlier tests left on the broker: keep the jobs' own.
    def remember_limits(task: Any = None, **_kwargs: Any) -> None:
        if task.name == "jobs.run":
            limits[int(task.request.args[0])] = tuple(task.request.timelimit or ())

    task_prerun.connect(remember_limits, weak=False)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
        ):
            sam, oscar = staff("sam"), staff("oscar")
            started = time.monotonic()
            response = sam.post("/candidates/import/", {"file": SimpleUploadedFile("c.xlsx", bomb)})
            assert response.status_code == 302  # to the job page, at once
            candidate_job = wait_until_finished(BackgroundJob.objects.get(kind="candidates.import"))
            response = oscar.post(
                f"/questionbank/{subject.code}/import/",
                {"action": "check", "file": SimpleUploadedFile("q.xlsx", bomb)},
            )
            assert response.status_code == 302
            question_job = wait_until_finished(
                BackgroundJob.objects.get(kind="questionbank.import")
            )
            elapsed = time.monotonic() - started
    finally:
        task_prerun.disconnect(remember_limits)

    assert elapsed < 10  # queueing, two worker round trips and the refusals, on a loaded machine
    limit = settings.JOBS_IMPORT_TIME_LIMIT_SECONDS
    expected = (limit + services.HARD_LIMIT_GRACE, limit)  # (hard, soft)
    assert limits[candidate_job.pk] == expected
    assert limits[question_job.pk] == expected
    assert candidate_job.status == JobStatus.FAILED
    page = sam.get(f"/jobs/{candidate_job.pk}/").content.decode()
    assert "Delete the empty rows below your data" in page
    assert question_job.status == JobStatus.DONE  # the job ran; its report names the problem
    page = oscar.get(f"/jobs/{question_job.pk}/").content.decode()
    assert "the file" in page and "Delete the empty rows below your data" in page
    assert 'name="token"' not in page
    assert not Candidate.objects.filter(institution=world.institution).exists()
    assert not subject.questions.exists()
