"""The merged admission tickets of a room as a background job (the same
``documents.tickets`` the direct download uses)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from certification import documents
from certification.models import Enrolment, ExamPlan, Seat

if TYPE_CHECKING:
    from jobs.models import BackgroundJob
    from jobs.services import Outcome, Progress

TICKETS = "certification.room_tickets"


def seats_visible_to(user: Any, plan: ExamPlan) -> Any:
    """The seats of ``plan`` whose enrolment ``user`` may see."""
    return Seat.objects.filter(
        enrolment__in=Enrolment.objects.visible_to(user).filter(plan=plan)
    ).select_related(
        "enrolment__candidate__institution", "enrolment__plan__certificate", "room__site", "session"
    )


def run_room_tickets(job: BackgroundJob, progress: Progress) -> Outcome:
    """Render the tickets of the room and session in ``job.params``, as the owner may see them
    now (access is checked again when the job runs, not only when it was queued)."""
    from jobs.services import JobRefused, Outcome

    params = job.params
    plan = ExamPlan.objects.filter(pk=params.get("plan")).first()
    seats = (
        list(
            seats_visible_to(job.owner, plan)
            .filter(room_id=params.get("room"), session_id=params.get("session"))
            .order_by("number")
        )
        if plan is not None
        else []
    )
    if plan is None or not seats:
        raise JobRefused(_("This room has no seats you may print tickets for."))
    data = documents.tickets(seats, progress=progress)
    filename = f"tickets-{plan.code}-{params['room']}-{params['session']}.pdf"
    return Outcome(result={"tickets": len(seats)}, file=data, filename=filename)
