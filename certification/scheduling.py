"""Scheduling (排考, R-CERT-10): the organisation assigns registered candidates to rooms,
sessions and seats in the scheduling window, automatically and then by hand.

Automatic assignment, for each site: the site's rooms and the plan's sessions give slots
(session × room × seat up to the room's capacity, in session then room order). Candidates
still without a seat are taken institution by institution (largest first, then by ID number)
and poured into the slots in order, so an institution's candidates sit in the same room and
session unless it is full. Existing seats are kept. The assignment is one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import record
from centres.models import Room
from certification import online, windows
from certification.models import Enrolment, ExamPlan, ExamSession, Seat
from certification.windows import Phase
from core.errors import Refused


class SchedulingRefused(Refused):
    """A refusal; ``message`` says why, for people."""


@dataclass
class AssignmentResult:
    seated: int = 0
    unseated: int = 0  # no capacity left at their site


def auto_assign(plan: ExamPlan, *, actor: Any) -> AssignmentResult:
    windows.require(plan, Phase.SCHEDULING)
    sessions = list(plan.sessions.order_by("starts_at", "pk"))
    if not sessions:
        raise SchedulingRefused(_("Add at least one session to the plan first."))
    result = AssignmentResult()
    with transaction.atomic():
        # Lock the plan's row: two schedulers pressing the button at once queue up here.
        ExamPlan.objects.select_for_update().filter(pk=plan.pk).first()
        waiting = (
            Enrolment.objects.filter(plan=plan, seat__isnull=True)
            .select_related("candidate")
            .order_by("site_id", "candidate__id_number")
        )
        by_site: dict[int, list[Enrolment]] = defaultdict(list)
        for enrolment in waiting:
            by_site[enrolment.site_id].append(enrolment)
        taken = set(
            Seat.objects.filter(session__plan=plan).values_list("session_id", "room_id", "number")
        )
        new_seats: list[Seat] = []
        for site_id, enrolments in by_site.items():
            groups: dict[int | None, list[Enrolment]] = defaultdict(list)
            for enrolment in enrolments:
                groups[enrolment.candidate.institution_id].append(enrolment)
            ordered = [
                e
                for _key, group in sorted(groups.items(), key=lambda kv: -len(kv[1]))
                for e in group
            ]
            slots = (
                (session.pk, room.pk, number)
                for session in sessions
                for room in Room.objects.filter(site_id=site_id).order_by("code")
                for number in range(1, room.capacity + 1)
                if (session.pk, room.pk, number) not in taken
            )
            for enrolment in ordered:
                slot = next(slots, None)
                if slot is None:
                    result.unseated += 1
                    continue
                session_id, room_id, number = slot
                new_seats.append(
                    Seat(enrolment=enrolment, session_id=session_id, room_id=room_id, number=number)
                )
        Seat.objects.bulk_create(new_seats, batch_size=2000)
        result.seated = len(new_seats)
        record(
            "plan.scheduled",
            actor=actor,
            target=plan,
            seated=result.seated,
            unseated=result.unseated,
        )
    return result


def move(seat: Seat, *, session: ExamSession, room: Room, number: int, actor: Any) -> Seat:
    """Manual adjustment: another room, session or seat number for one candidate."""
    plan = seat.enrolment.plan
    windows.require(plan, Phase.SCHEDULING)
    if session.plan_id != plan.pk:
        raise SchedulingRefused(_("The session belongs to another plan."))
    if room.site_id != seat.enrolment.site_id:
        raise SchedulingRefused(_("The room belongs to another site."))
    if not 1 <= number <= room.capacity:
        raise SchedulingRefused(_("The room has seats 1 to %(n)s.") % {"n": room.capacity})
    try:
        with transaction.atomic():
            old = (seat.session_id, seat.room_id, seat.number)
            Seat.objects.filter(pk=seat.pk).update(session=session, room=room, number=number)
            seat.session_id, seat.room_id, seat.number = session.pk, room.pk, number
            # A seat of a session taken online is the candidate's registration in its exam.
            online.sync_seat(seat)
            record(
                "seat.moved",
                actor=actor,
                target=seat,
                old=list(old),
                new=[session.pk, room.pk, number],
            )
    except IntegrityError:
        raise SchedulingRefused(_("That seat is taken.")) from None
    seat.refresh_from_db()
    return seat


def add_session(
    plan: ExamPlan, *, name: str, starts_at: Any, ends_at: Any, actor: Any
) -> ExamSession:
    windows.require(plan, Phase.SCHEDULING)
    if not (plan.exam_opens <= starts_at < ends_at <= plan.exam_closes):
        raise SchedulingRefused(_("A session must lie inside the exam window."))
    with transaction.atomic():
        session = ExamSession.objects.create(
            plan=plan, name=name, starts_at=starts_at, ends_at=ends_at
        )
        record("session.created", actor=actor, target=session)
    return session
