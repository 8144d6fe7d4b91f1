"""Benchmark of registering a whole exam plan into its online exam.

Builds its own data in the configured database — an organisation, a certificate, a site with
rooms of 100 seats, ``--seats`` verified candidates registered in a plan whose scheduling window
is open, one session seated by the real automatic assignment and linked to an online exam —
then runs the real job path: ``jobs.services.start`` queues the registration job and
``jobs.services.run`` runs it in this process, as the worker does (progress written to the job
row as it goes). Prints the seats per second and the seconds the job took, and checks that every
seat is its candidate's registration in the exam. The data is deleted afterwards unless
``--keep``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from candidates import idnumber
from candidates.models import Candidate
from candidates.statuses import Verification
from centres.models import Room, Site
from certification import jobs as certification_jobs
from certification import online, scheduling
from certification.models import Enrolment, ExamPlan, ExamSession, Seat
from exams.models import Exam, Registration
from jobs import services as job_services
from jobs.models import BackgroundJob
from jobs.statuses import JobStatus
from questionbank.models import Subject
from reference.models import Certificate, Institution, Organisation

PREFIX = "BENCHREG"
ROOM_SEATS = 100


class Command(BaseCommand):
    help = "Register a plan of N seats into its online exam through the real job; print seats/s."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seats", type=int, default=10_000)
        parser.add_argument("--keep", action="store_true", help="keep the data afterwards")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        seats = int(options["seats"])
        if not 1 <= seats <= 100_000:
            raise CommandError("--seats is between 1 and 100000.")
        if Organisation.objects.filter(code=PREFIX).exists():
            _delete_data()  # what an interrupted earlier run left
        started = time.perf_counter()
        plan, owner = _build(seats)
        built = time.perf_counter() - started
        try:
            job = job_services.start(
                certification_jobs.REGISTER_ONLINE,
                owner,
                params={"plan": plan.pk},
                total=Seat.objects.filter(session__plan=plan).count(),
            )
            cpu = os.times()
            began = time.perf_counter()
            job_services.run(job.pk)  # what the worker runs
            seconds = time.perf_counter() - began
            after = os.times()
            job.refresh_from_db()
            if job.status != JobStatus.DONE:
                raise CommandError(f"the job failed: {job.error}")
            session = plan.sessions.get()
            registered = Registration.objects.filter(exam=session.exam_id).count()
            linked = Seat.objects.filter(
                session=session,
                registration__exam=session.exam_id,
                registration__candidate=_candidate_of_seat(),
            ).count()
            figures = {
                "seats": seats,
                "seconds": round(seconds, 2),
                "seats_per_second": round(seats / seconds, 1),
                "cpu_seconds_this_process": round(
                    (after.user - cpu.user) + (after.system - cpu.system), 2
                ),
                "registrations": registered,
                "seats_linked_to_their_registration": linked,
                "job_done": job.done,
                "job_total": job.total,
                "build_seconds": round(built, 1),
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
            if registered != seats or linked != seats:
                raise CommandError(f"not every seat was registered: {figures}")
        finally:
            if not options["keep"]:
                _delete_data()
        if options["json"]:
            self.stdout.write(json.dumps(figures))
        else:
            self.stdout.write(
                f"{seats} seats registered in {figures['seconds']} s: "
                f"{figures['seats_per_second']} seats/s "
                f"(build {figures['build_seconds']} s, load {figures['load_average']})"
            )


def _candidate_of_seat() -> Any:
    from django.db.models import F

    return F("enrolment__candidate")


def _id_number(serial: int) -> str:
    # Born in 1901 (nobody in real data), 1000 serials a day, over as many days as needed.
    day = dt.date(1901, 1, 1) + dt.timedelta(days=serial // 1000)
    first17 = f"110101{day:%Y%m%d}{serial % 1000:03d}"
    return first17 + idnumber.check_character(first17)


def _build(seats: int) -> tuple[ExamPlan, User]:
    now = timezone.now()
    with transaction.atomic():
        organisation = Organisation.objects.create(code=PREFIX, name="Benchmark organisation")
        institution = Institution.objects.create(code=PREFIX, name="Benchmark institution")
        certificate = Certificate.objects.create(
            organisation=organisation, code=PREFIX, name="Benchmark certificate"
        )
        site = Site.objects.create(code=PREFIX, name="Benchmark site", institution=institution)
        Room.objects.bulk_create(
            Room(site=site, code=f"R{n:03d}", name=f"Room {n}", capacity=ROOM_SEATS)
            for n in range(1, -(-seats // ROOM_SEATS) + 1)
        )
        owner = User.objects.create(username=f"{PREFIX.lower()}-org", role=Role.ORG_ADMIN)
        users = User.objects.bulk_create(
            (
                User(
                    username=f"{PREFIX.lower()}-{n}",
                    role=Role.CANDIDATE,
                    password=make_password(None),  # unusable: candidates sign in otherwise
                )
                for n in range(seats)
            ),
            batch_size=2000,
        )
        candidates = Candidate.objects.bulk_create(
            (
                Candidate(
                    user=user,
                    id_number=_id_number(n),
                    name=f"考生{n}",
                    institution=institution,
                    certificate=certificate,
                    verification=Verification.VERIFIED,
                )
                for n, user in enumerate(users)
            ),
            batch_size=2000,
        )
        day = dt.timedelta(days=1)
        plan = ExamPlan.objects.create(
            organisation=organisation,
            certificate=certificate,
            code=PREFIX,
            name="Benchmark plan",
            registration_opens=now - 2 * day,
            registration_closes=now - day,
            scheduling_opens=now - day,
            scheduling_closes=now + day,
            exam_opens=now + day,
            exam_closes=now + 2 * day,
            score_entry_opens=now + 2 * day,
            score_entry_closes=now + 3 * day,
            publication_opens=now + 3 * day,
            publication_closes=now + 4 * day,
        )
        Enrolment.objects.bulk_create(
            (Enrolment(plan=plan, candidate=c, site=site) for c in candidates), batch_size=2000
        )
        subject = Subject.objects.create(code=PREFIX, name="Benchmark subject")
        exam = Exam.objects.create(
            code=PREFIX,
            title="Benchmark exam",
            subject=subject,
            kind=Exam.Kind.FORMAL,
            opens_at=now + day + dt.timedelta(hours=1),
            closes_at=now + day + dt.timedelta(hours=3),
        )
        session = ExamSession.objects.create(
            plan=plan,
            name="Benchmark session",
            starts_at=now + day,
            ends_at=now + day + dt.timedelta(hours=4),
        )
    result = scheduling.auto_assign(plan, actor=owner)
    if result.seated != seats:
        raise CommandError(f"only {result.seated} of {seats} candidates were seated")
    online.link_exam(session, exam, actor=owner)
    return plan, owner


def _delete_data() -> None:
    plan = ExamPlan.objects.filter(code=PREFIX).first()
    owner = User.objects.filter(username=f"{PREFIX.lower()}-org").first()
    with transaction.atomic():
        if owner is not None:
            BackgroundJob.objects.filter(owner=owner).delete()
        exam = Exam.objects.filter(code=PREFIX).first()
        if plan is not None:
            Seat.objects.filter(session__plan=plan).delete()
            ExamSession.objects.filter(plan=plan).delete()
            Enrolment.objects.filter(plan=plan).delete()
            plan.delete()
        if exam is not None:
            Registration.objects.filter(exam=exam).delete()
            exam.delete()
        Subject.objects.filter(code=PREFIX).delete()
        Candidate.objects.filter(user__username__startswith=f"{PREFIX.lower()}-").delete()
        User.objects.filter(username__startswith=f"{PREFIX.lower()}-").delete()
        Room.objects.filter(site__code=PREFIX).delete()
        Site.objects.filter(code=PREFIX).delete()
        Certificate.objects.filter(code=PREFIX).delete()
        Institution.objects.filter(code=PREFIX).delete()
        Organisation.objects.filter(code=PREFIX).delete()
