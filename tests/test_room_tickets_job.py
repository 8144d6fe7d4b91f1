"""Issue 6, slice 8: a room's merged admission tickets are rendered by a background job; when it
is done the job page links the PDF, which only the person who asked for it may download."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from pypdf import PdfReader

from certification.models import Enrolment, ExamSession, Seat
from jobs import services
from jobs.models import BackgroundJob
from jobs.statuses import JobStatus
from tests import certification_world
from tests.personas import PASSWORD

if TYPE_CHECKING:
    from tests.personas import Personas


@pytest.fixture
def seated(personas: Personas):
    world = certification_world.build(personas)
    plan = certification_world.plan(world, "scheduling")
    session = ExamSession.objects.create(
        plan=plan, name="第一场", starts_at=plan.exam_opens, ends_at=plan.exam_closes
    )
    for number, name in enumerate(["欧阳娜娜", "司马懿", "诸葛亮"], start=1):
        candidate = certification_world.verified_candidate(world, 500 + number, name, personas.site)
        enrolment = Enrolment.objects.create(plan=plan, candidate=candidate, site=personas.site)
        Seat.objects.create(
            enrolment=enrolment, session=session, room=personas.room_a, number=number
        )
    return plan, session


def staff(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_room_tickets_job_produces_one_merged_pdf_for_its_owner(seated, personas, settings):
    settings.JOBS_PROGRESS_EVERY = 1
    plan, session = seated
    client = staff("sam")
    url = f"/cert/plans/{plan.pk}/rooms/{personas.room_a.pk}/{session.pk}/tickets-job/"
    assert f'action="{url}"' in client.get(f"/cert/plans/{plan.pk}/").content.decode()

    response = client.post(url)
    job = BackgroundJob.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.status, job.total) == (JobStatus.QUEUED, 3)

    services.run(job.pk)  # what the worker runs

    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 3, 3)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/jobs/{job.pk}/download"' in page
    download = client.get(f"/jobs/{job.pk}/download")
    assert download.status_code == 200
    pdf = PdfReader(io.BytesIO(download.getvalue()))
    assert len(pdf.pages) == 3
    assert "诸葛亮" in "".join(p.extract_text() for p in pdf.pages)
    assert staff("olga").get(f"/jobs/{job.pk}/download").status_code == 404


def test_another_site_cannot_queue_tickets_of_a_room_it_does_not_see(seated, personas):
    plan, session = seated
    url = f"/cert/plans/{plan.pk}/rooms/{personas.room_a.pk}/{session.pk}/tickets-job/"
    assert staff("olga").post(url).status_code == 404
    assert staff("sam").get(url).status_code == 405
    assert not BackgroundJob.objects.exists()
