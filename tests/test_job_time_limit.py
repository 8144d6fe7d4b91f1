"""An import that runs past its time limit is stopped by the worker: the job fails with a message
that says what to do, and nothing of it was written. The worker is a real Celery process with
the prefork pool (the production workers' default; only it enforces time limits)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from candidates.models import Candidate
from jobs.models import BackgroundJob
from jobs.statuses import JobStatus
from tests import certification_world
from tests.certification_world import id_number, xlsx
from tests.personas import PASSWORD
from tests.processes import subprocess_database_url

if TYPE_CHECKING:
    from tests.personas import Personas

pytestmark = [pytest.mark.usefixtures("english"), pytest.mark.timeout(180)]


def start_prefork_worker(log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": subprocess_database_url(connection.settings_dict["NAME"]),
        "REDIS_URL": settings.REDIS_URL,
    }
    command = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "config",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        "1",
        "--queues",
        "default",
        "--without-mingle",
        "--without-gossip",
        "--loglevel",
        "INFO",
    ]
    return subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


@pytest.mark.django_db(transaction=True)
def test_an_import_past_its_time_limit_fails_and_writes_nothing(
    personas: Personas, settings, tmp_path
) -> None:
    world = certification_world.build(personas)
    settings.JOBS_IMPORT_TIME_LIMIT_SECONDS = 1  # sent with the task; the worker enforces it
    rows = [[f"考生{n}", id_number(n), f"138{n:08d}", "HGJL-M", "470201"] for n in range(20_000)]
    data = xlsx(rows)
    client = Client()
    assert client.login(username="sam", password=PASSWORD)

    worker = start_prefork_worker(tmp_path / "worker.log")
    try:
        response = client.post("/candidates/import/", {"file": SimpleUploadedFile("c.xlsx", data)})
        assert response.status_code == 302
        job = BackgroundJob.objects.get()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.finished:
                break
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert job.status == JobStatus.FAILED, (tmp_path / "worker.log").read_text()[-3000:]
    assert "The job took longer than" in job.error
    assert "was stopped; nothing was changed" in job.error
    assert not Candidate.objects.filter(institution=world.institution).exists()
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-code="failed"' in page and "Split the file into smaller ones" in page
