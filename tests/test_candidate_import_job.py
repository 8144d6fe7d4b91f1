"""Issue 6, slice 8: the candidate import runs as a background job on a real Celery worker; the
job page shows its progress and then the same row report; a job is seen only by its owner; a
bad file fails the job with a clear message and imports nothing."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit.models import AuditEntry
from candidates.models import Candidate
from config.celery import app
from jobs import services
from jobs.models import BackgroundJob
from jobs.statuses import JobStatus
from tests import certification_world
from tests.certification_world import id_number, xlsx
from tests.personas import PASSWORD

if TYPE_CHECKING:
    from tests.personas import Personas

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(personas: Personas) -> certification_world.World:
    return certification_world.build(personas)


def staff(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def upload(client: Client, data: bytes, **extra: str) -> Any:
    return client.post("/candidates/import/", {"file": SimpleUploadedFile("c.xlsx", data), **extra})


def good_rows(count: int) -> list[list[object]]:
    return [
        [f"考生{n}", id_number(800 + n), f"138001{n:05d}", "HGJL-M", "470201"] for n in range(count)
    ]


def wait_until_finished(job: BackgroundJob, seconds: float = 60) -> BackgroundJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} still {job.status}")


@pytest.mark.django_db(transaction=True)
def test_a_worker_imports_the_upload_and_the_job_page_shows_the_report(world, settings):
    settings.JOBS_PROGRESS_EVERY = 10
    client = staff("sam")
    rows = good_rows(25)
    rows.append(["重复", id_number(800), "13800199999", "HGJL-M", "470201"])  # row 27

    with start_worker(
        app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
    ):
        response = upload(client, xlsx(rows), valid_only="on")
        assert response.status_code == 302
        job = BackgroundJob.objects.get()
        assert response["Location"] == f"/jobs/{job.pk}/"
        wait_until_finished(job)

    assert job.status == JobStatus.DONE, job.error
    assert (job.done, job.total) == (26, 26)  # progress reached the total
    assert Candidate.objects.filter(institution=world.institution).count() == 25
    assert job.inputs and not any(default_storage.exists(n) for n in job.inputs)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "26 rows read, 25 valid, 25 imported" in page
    assert 'data-code="duplicate_in_file"' in page and "<td>27</td>" in page
    status = client.get(f"/jobs/{job.pk}/status.json").json()
    assert status["status"] == "done" and status["percent"] == 100
    assert list(
        AuditEntry.objects.filter(action__startswith="job.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["job.queued", "job.running", "job.done"]


@pytest.mark.django_db(transaction=True)
def test_a_bad_file_fails_the_job_with_a_clear_message_and_imports_nothing(world):
    client = staff("sam")
    with start_worker(
        app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
    ):
        upload(client, b"this is not a workbook")
        job = wait_until_finished(BackgroundJob.objects.get())

    assert job.status == JobStatus.FAILED
    assert "not an Excel workbook" in job.error
    assert not Candidate.objects.filter(institution=world.institution).exists()
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-code="failed"' in page and "not an Excel workbook" in page


def test_by_default_a_bad_row_imports_nothing_and_the_report_says_why(world):
    client = staff("sam")
    rows = good_rows(3)
    rows[1][2] = "12345"
    response = upload(client, xlsx(rows))
    job = BackgroundJob.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert "job-progress" in client.get(f"/jobs/{job.pk}/").content.decode()

    services.run(job.pk)  # what the worker runs

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert not Candidate.objects.filter(institution=world.institution).exists()
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-code="phone"' in page and "Nothing was imported" in page


def test_a_job_runs_once_even_if_its_task_is_delivered_twice(world):
    upload(staff("sam"), xlsx(good_rows(2)))
    job = BackgroundJob.objects.get()
    services.run(job.pk)
    services.run(job.pk)
    services.run(job.pk + 1000)  # a vanished job is no error
    assert Candidate.objects.filter(institution=world.institution).count() == 2
    assert AuditEntry.objects.filter(action="job.done").count() == 1


def test_another_persons_job_is_not_found(world):
    upload(staff("sam"), xlsx(good_rows(1)))
    job = BackgroundJob.objects.get()
    services.run(job.pk)
    other = staff("olga")
    assert other.get(f"/jobs/{job.pk}/").status_code == 404
    assert other.get(f"/jobs/{job.pk}/status.json").status_code == 404
    assert other.get(f"/jobs/{job.pk}/download").status_code == 404
    assert Client().get(f"/jobs/{job.pk}/status.json").status_code == 401  # JSON: no redirect


def test_finished_jobs_are_purged_after_the_retention_period(world, settings):
    from datetime import timedelta

    from django.utils import timezone

    upload(staff("sam"), xlsx(good_rows(1)))
    job = BackgroundJob.objects.get()
    services.run(job.pk)
    assert services.purge_old() == 0
    later = timezone.now() + timedelta(days=settings.JOBS_RETENTION_DAYS + 1)
    assert services.purge_old(now=later) == 1
    assert not BackgroundJob.objects.exists()
