"""A plan's session is linked to the online exam taken in it: the exam must fit the session and
the plan's exam window (and cannot be moved out of it afterwards), and the session's seats are
the exam's registrations — made by a background job with progress, moved with the seat."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from audit.models import AuditEntry
from certification import online, scheduling
from certification.models import Enrolment, ExamSession, Seat
from exams.models import Exam, Registration
from jobs import services as job_services
from jobs.models import BackgroundJob
from jobs.statuses import JobStatus
from tests import certification_world
from tests.personas import PASSWORD, exam

if TYPE_CHECKING:
    from tests.personas import Personas


@pytest.fixture
def plan_world(personas: Personas):
    world = certification_world.build(personas)
    plan = certification_world.plan(world, "scheduling")
    session = ExamSession.objects.create(
        plan=plan,
        name="第一场",
        starts_at=plan.exam_opens + dt.timedelta(hours=1),
        ends_at=plan.exam_opens + dt.timedelta(hours=4),
    )
    fits = _exam_at("PLAN-FORMAL", session.starts_at + dt.timedelta(minutes=30))
    enrolments = []
    for serial, name in enumerate(["欧阳娜娜", "司马懿", "诸葛亮"], start=1):
        candidate = certification_world.verified_candidate(world, 600 + serial, name, personas.site)
        enrolments.append(
            Enrolment.objects.create(plan=plan, candidate=candidate, site=personas.site)
        )
    return plan, session, fits, enrolments


def _exam_at(code: str, opens_at: dt.datetime) -> Exam:
    """An exam of the personas' kind open two hours from ``opens_at``."""
    created = exam(code, Exam.Kind.FORMAL)
    Exam.objects.filter(pk=created.pk).update(
        opens_at=opens_at, closes_at=opens_at + dt.timedelta(hours=2)
    )
    created.refresh_from_db()
    return created


def org_client() -> Client:
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    return client


def test_a_session_takes_only_an_exam_inside_its_times_and_the_plan_window(plan_world, personas):
    plan, session, fits, _enrolments = plan_world
    client = org_client()
    page = client.get(f"/cert/plans/{plan.pk}/").content.decode()
    assert f'action="/cert/plans/{plan.pk}/sessions/{session.pk}/exam/"' in page
    assert f'<option value="{fits.pk}"' in page

    # An exam of the plan's exam window that opens after the session ended: refused, saying
    # which times would fit.
    late = _exam_at("PLAN-LATE", session.ends_at + dt.timedelta(hours=1))
    response = client.post(
        f"/cert/plans/{plan.pk}/sessions/{session.pk}/exam/", {"exam": late.pk}, follow=True
    )
    text = response.content.decode()
    assert "第一场" in text and late.title in text
    session.refresh_from_db()
    assert session.exam_id is None
    # The personas' exam, closed before the plan's exam window opens, is not even offered.
    assert f'<option value="{personas.formal.pk}"' not in page
    response = client.post(
        f"/cert/plans/{plan.pk}/sessions/{session.pk}/exam/", {"exam": personas.formal.pk}
    )
    assert response["X-Refused"] == "refused"

    response = client.post(f"/cert/plans/{plan.pk}/sessions/{session.pk}/exam/", {"exam": fits.pk})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.exam_id == fits.pk
    assert AuditEntry.objects.filter(action="session.exam_linked").exists()


def test_the_exam_refuses_to_move_its_window_out_of_the_linked_session(plan_world):
    plan, session, fits, _enrolments = plan_world
    online.link_exam(session, fits, actor=None)
    fits.refresh_from_db()
    fits.full_clean()  # inside: fine
    fits.closes_at = session.ends_at + dt.timedelta(minutes=1)
    with pytest.raises(ValidationError) as refused:
        fits.full_clean()
    assert "第一场" in str(refused.value)
    fits.opens_at = plan.exam_opens - dt.timedelta(days=1)
    fits.closes_at = plan.exam_opens
    with pytest.raises(ValidationError):
        fits.full_clean()


def test_scheduling_registers_the_seats_through_a_job_and_a_moved_seat_moves_it(
    plan_world, personas, settings
):
    settings.JOBS_PROGRESS_EVERY = 1
    plan, session, fits, enrolments = plan_world
    online.link_exam(session, fits, actor=None)
    # One candidate already has a registration in the exam (made elsewhere): it is adopted.
    adopted = Registration.objects.create(
        exam=fits, candidate=enrolments[0].candidate, room=personas.room_b
    )
    client = org_client()
    response = client.post(f"/cert/plans/{plan.pk}/schedule/")
    job = BackgroundJob.objects.get(kind="certification.register_online")
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.status, job.total) == (JobStatus.QUEUED, 3)

    job_services.run(job.pk)  # what the worker runs

    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 3, 3), job.error
    assert job.result is not None and job.result["created"] == 2
    assert "3" in client.get(f"/jobs/{job.pk}/").content.decode()
    seats = {s.enrolment_id: s for s in Seat.objects.select_related("registration")}
    for enrolment in enrolments:
        seat = seats[enrolment.pk]
        assert seat.registration is not None
        assert (seat.registration.exam_id, seat.registration.candidate_id) == (
            fits.pk,
            enrolment.candidate_id,
        )
        assert seat.registration.room_id == seat.room_id
    assert seats[enrolments[0].pk].registration_id == adopted.pk
    assert Registration.objects.filter(exam=fits).count() == 3  # no second list

    seat = seats[enrolments[1].pk]
    client.post(
        f"/cert/plans/{plan.pk}/seats/{seat.pk}/move/",
        {"session": session.pk, "room": personas.room_b.pk, "number": 7},
    )
    seat.refresh_from_db()
    assert seat.room_id == personas.room_b.pk
    assert seat.registration_id is not None
    assert Registration.objects.get(pk=seat.registration_id).room_id == personas.room_b.pk

    # Unlinking the session removes the registrations nobody used (a job again).
    client.post(f"/cert/plans/{plan.pk}/sessions/{session.pk}/exam/", {"exam": ""})
    unlink_job = BackgroundJob.objects.filter(kind="certification.register_online").latest("pk")
    job_services.run(unlink_job.pk)
    unlink_job.refresh_from_db()
    assert unlink_job.status == JobStatus.DONE, unlink_job.error
    assert not Registration.objects.filter(exam=fits).exists()
    assert not Seat.objects.filter(registration__isnull=False).exists()


def test_the_registration_reports_its_progress_as_it_checks_the_seats(plan_world):
    plan, session, fits, _enrolments = plan_world
    online.link_exam(session, fits, actor=None)
    scheduling.auto_assign(plan, actor=None)
    calls: list[tuple[int, int]] = []
    report = online.register_plan(plan, actor=None, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1] == (3, 3)
    assert (report.seats, report.created) == (3, 3)
    again = online.register_plan(plan, actor=None)  # idempotent
    assert (again.created, again.moved, again.removed) == (0, 0, 0)


def test_a_seat_whose_candidate_sat_the_exam_cannot_leave_for_another_session(plan_world, personas):
    plan, session, fits, enrolments = plan_world
    online.link_exam(session, fits, actor=None)
    scheduling.auto_assign(plan, actor=None)
    online.register_plan(plan, actor=None)
    seat = Seat.objects.get(enrolment=enrolments[0])
    assert seat.registration is not None
    Exam.objects.filter(pk=fits.pk).update(opens_at=fits.opens_at)  # unchanged
    from exams.models import Attempt

    Attempt.objects.create(registration=seat.registration)
    other = ExamSession.objects.create(
        plan=plan, name="第二场", starts_at=session.starts_at, ends_at=session.ends_at
    )
    with pytest.raises(online.OnlineRefused):
        scheduling.move(seat, session=other, room=personas.room_a, number=20, actor=None)
    seat.refresh_from_db()
    assert seat.session_id == session.pk
    with pytest.raises(online.OnlineRefused):
        online.link_exam(session, None, actor=None)
