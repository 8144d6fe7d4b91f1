"""The merged admission tickets of a room as a background job (the same
``documents.tickets`` the direct download uses)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from certification import documents, online
from certification.models import Enrolment, ExamPlan, Seat

if TYPE_CHECKING:
    from jobs.models import BackgroundJob
    from jobs.services import Outcome, Progress

TICKETS = "certification.room_tickets"
REGISTER_ONLINE = "certification.register_online"


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
    links = params.get("links")
    data = documents.tickets(
        seats, progress=progress, links=links if isinstance(links, dict) else None
    )
    filename = f"tickets-{plan.code}-{params['room']}-{params['session']}.pdf"
    return Outcome(result={"tickets": len(seats)}, file=data, filename=filename)


def run_register_online(job: BackgroundJob, progress: Progress) -> Outcome:
    """Register the seats of ``job.params["plan"]``'s linked sessions into their exams (see
    ``online.register_plan``); only the organisation may, checked again when the job runs."""
    from accounts.roles import Role
    from jobs.services import JobRefused, Outcome

    plan = ExamPlan.objects.filter(pk=job.params.get("plan")).first()
    if plan is None or not job.owner.has_role(Role.ORG_ADMIN):
        raise JobRefused(_("Only the evaluation organisation can register a plan's seats."))
    report = online.register_plan(plan, actor=job.owner, progress=progress)
    if report.problems:
        raise JobRefused(
            _("Nothing was changed: %(problems)s") % {"problems": " ".join(report.problems[:20])}
        )
    return Outcome(result={"plan": plan.pk, **report.as_dict()})


def register_online_context(job: BackgroundJob) -> dict[str, Any]:
    report = job.result or {}
    plan = ExamPlan.objects.filter(pk=report["plan"]).first() if report.get("plan") else None
    return {"report": report, "plan": plan}
