"""Staff enrol faces in bulk from the registered photos: from the faces page (filtered and
paginated past 500 candidates) to the background job on the vision queue, its progress JSON and
the per-candidate report, on screen and as Excel, with the real face models and real photos."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from openpyxl import load_workbook

from accounts.models import User
from accounts.roles import Role
from candidates.models import Candidate
from jobs import services as job_services
from jobs.models import BackgroundJob
from jobs.statuses import JobStatus
from tests.personas import PASSWORD, Personas, candidate, make_id_number
from tests.vision.conftest import registered_photo
from vision import bulk, crypto, services
from vision.models import FaceEnrolment, FaceTemplate
from vision.statuses import EnrolmentStatus

pytestmark = pytest.mark.django_db


def staff_client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def with_photo(person: Candidate, data: bytes) -> Candidate:
    person.photo.save("photo.jpg", ContentFile(data))
    return person


@pytest.fixture
def site_candidates(personas: Personas, settings, tmp_path) -> dict[str, Candidate]:
    """One candidate of site S1 per outcome of the report, and one of the other site."""
    settings.MEDIA_ROOT = tmp_path
    settings.JOBS_PROGRESS_EVERY = 1
    obama = with_photo(personas.carol, registered_photo("faces", "obama_1.jpg"))
    empty = with_photo(
        candidate("11010519900307301", "Empty", personas.site),
        registered_photo("scenes", "empty_room_1.jpg"),
    )
    group = with_photo(
        candidate("11010519900307302", "Group", personas.site),
        registered_photo("faces", "groups", "obama_biden_1.jpg", box=(200, 0, 1020, 330)),
    )
    small = with_photo(
        candidate("11010519900307303", "Small", personas.site),
        registered_photo("faces", "headpose_male_1.jpg"),
    )
    done = with_photo(
        candidate("11010519900307304", "Done", personas.site),
        registered_photo("faces", "biden_1.jpg"),
    )
    enrolment = services.start_enrolment(done, done.photo.read(), "photo")
    services.complete_enrolment(enrolment.pk)
    nophoto = candidate("11010519900307305", "Nophoto", personas.site)
    elsewhere = with_photo(
        candidate("11010519900307306", "Elsewhere", personas.other_site),
        registered_photo("faces", "alex_lacamoire_3.jpg"),
    )
    Candidate.objects.filter(pk=personas.dave.pk).delete()
    return {
        "enrolled": obama,
        "no_face": empty,
        "several_faces": group,
        "poor_quality": small,
        "already_enrolled": done,
        "no_photo": nophoto,
        "elsewhere": elsewhere,
    }


def test_a_site_administrator_enrols_their_candidates_in_bulk_and_reads_the_report(
    site_candidates, django_capture_on_commit_callbacks
) -> None:
    sam = staff_client("sam")
    page = sam.get("/vision/staff/faces/").content.decode()
    assert 'action="/vision/staff/faces/bulk/"' in page
    assert "Elsewhere" not in page  # another site's candidate is not sam's to enrol

    with django_capture_on_commit_callbacks() as callbacks:
        response = sam.post("/vision/staff/faces/bulk/", {"q": "", "face": "", "photo": ""})
    job = BackgroundJob.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.status, job.total) == (bulk.KIND, JobStatus.QUEUED, 6)
    assert len(callbacks) == 1  # queued after the commit, to the workers that have the models
    assert job_services.KINDS[job.kind].queue == "vision"

    status = sam.get(f"/jobs/{job.pk}/status.json").json()
    assert (status["status"], status["done"], status["total"]) == ("queued", 0, 6)

    job_services.run(job.pk)  # what the vision worker runs

    status = sam.get(f"/jobs/{job.pk}/status.json").json()
    assert (status["status"], status["done"], status["total"], status["percent"]) == (
        "done",
        6,
        6,
        100,
    )
    assert status["download"] == f"/jobs/{job.pk}/download"
    job.refresh_from_db()
    assert job.result is not None
    assert job.result["counts"] == {
        "enrolled": 1,
        "no_face": 1,
        "several_faces": 1,
        "poor_quality": 1,
        "already_enrolled": 1,
        "no_photo": 1,
    }
    outcomes = {row["candidate"]: row["outcome"] for row in job.result["rows"]}
    for outcome, person in site_candidates.items():
        if outcome != "elsewhere":
            assert outcomes[person.pk] == outcome
    assert site_candidates["elsewhere"].pk not in outcomes
    # The job's JSON names nobody: primary keys and outcomes only.
    assert "Carol" not in str(job.result)

    enrolled = FaceEnrolment.objects.get(candidate=site_candidates["enrolled"])
    assert (enrolled.status, enrolled.source) == (EnrolmentStatus.ENROLLED, "photo")
    template = FaceTemplate.objects.get(enrolment=enrolled)
    assert crypto.decrypt_encoding(template.encrypted).shape == (128,)  # encrypted at rest
    failed = FaceEnrolment.objects.get(candidate=site_candidates["no_face"])
    assert (failed.status, failed.problem_code) == (EnrolmentStatus.FAILED, "no_face")
    assert not FaceEnrolment.objects.filter(candidate=site_candidates["elsewhere"]).exists()

    report = sam.get(f"/jobs/{job.pk}/").content.decode()
    assert 'id="bulk-report"' in report
    assert 'data-outcome="no_face"' in report and "Empty" in report
    download = sam.get(f"/jobs/{job.pk}/download")
    sheet = load_workbook(io.BytesIO(download.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 7  # the header and the six candidates
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Group"][1] == site_candidates["several_faces"].id_number
    assert by_name["Group"][3]  # the reason staff read, not a code
    assert by_name["Carol"][3] is None or by_name["Carol"][3] == ""
    assert staff_client("olga").get(f"/jobs/{job.pk}/download").status_code == 404


def test_the_filters_choose_who_the_bulk_job_enrols(site_candidates) -> None:
    sam = staff_client("sam")
    page = sam.get("/vision/staff/faces/?face=none&photo=yes").content.decode()
    assert "Carol" in page and "Empty" in page
    assert "Done" not in page and "Nophoto" not in page
    sam.post("/vision/staff/faces/bulk/", {"q": "Carol", "face": "none", "photo": "yes"})
    job = BackgroundJob.objects.get()
    assert job.total == 1
    job_services.run(job.pk)
    job.refresh_from_db()
    assert job.result is not None
    assert [row["outcome"] for row in job.result["rows"]] == ["enrolled"]
    assert FaceEnrolment.objects.filter(candidate=site_candidates["no_face"]).count() == 0


def test_a_bulk_job_that_matches_nobody_is_refused_with_a_message(personas: Personas) -> None:
    response = staff_client("olga").post("/vision/staff/faces/bulk/", {"q": "Carol"}, follow=True)
    assert not BackgroundJob.objects.exists()
    assert "No candidate matches the filters" in response.content.decode() or (
        "没有" in response.content.decode()
    )
    assert staff_client("paula").post("/vision/staff/faces/bulk/").status_code == 403


def test_the_faces_page_paginates_past_500_candidates(personas: Personas) -> None:
    users = User.objects.bulk_create(
        User(username=f"bulk-{i}", role=Role.CANDIDATE) for i in range(530)
    )
    Candidate.objects.bulk_create(
        Candidate(
            user=user,
            id_number=make_id_number(f"31010120000101{i:03d}"),
            name=f"考生{i:04d}",
            site=personas.site,
        )
        for i, user in enumerate(users)
    )
    sam = staff_client("sam")
    first = sam.get("/vision/staff/faces/").content.decode()
    assert "考生0000" in first and "考生0050" not in first
    # 532 of S1 (530 and Carol and Dave), ordered by name: the last page is past the old cap.
    last = sam.get("/vision/staff/faces/?page=11").content.decode()
    assert "考生0529" in last
    assert "考生0400" not in last
    assert 'href="?page=10"' in last and "page=12" not in last
    found = sam.post(
        "/vision/staff/faces/", {"search": "1", "q": "考生0517"}, follow=True
    ).content.decode()
    assert "考生0517" in found and "考生0516" not in found


@pytest.mark.django_db(transaction=True)
def test_a_worker_of_the_vision_queue_runs_the_bulk_job(personas: Personas, settings, tmp_path):
    """The job is sent through the broker to the ``vision`` queue and a worker of that queue
    alone (the one with the face models) runs it to the end."""
    import time

    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    settings.MEDIA_ROOT = tmp_path
    with_photo(personas.carol, registered_photo("faces", "obama_1.jpg"))
    sam = staff_client("sam")
    sam.post("/vision/staff/faces/bulk/", {"q": "Carol"})
    job = BackgroundJob.objects.get()
    with start_worker(
        app,
        pool="solo",
        queues=["vision"],
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
    ):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status = sam.get(f"/jobs/{job.pk}/status.json").json()
            if status["finished"]:
                break
            time.sleep(0.5)
    assert status["status"] == "done", status
    assert FaceEnrolment.objects.get(candidate=personas.carol).status == EnrolmentStatus.ENROLLED
