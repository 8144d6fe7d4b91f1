"""Exam plans and what happens inside their windows (R-CERT-8…12). Every action checks its
role (decorator) and its window (the service, through ``windows.require``) on the server."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from audit.services import record
from candidates.imports import ImportRefused, column_label
from candidates.models import Candidate
from candidates.statuses import Verification
from centres.models import Room, Site
from certification import (
    certificates,
    documents,
    online,
    registration,
    scheduling,
    scores,
    windows,
)
from certification import jobs as certification_jobs
from certification import services as certification_services
from certification.forms import PlanForm, SessionForm, SheetForm, WindowsForm
from certification.models import Enrolment, ExamPlan, ExamSession, IssuedCertificate, Seat
from certification.statuses import CertificateStatus
from certification.windows import OutsideWindow, Phase
from core import search_terms
from core.errors import as_message
from core.spreadsheets import safe_row
from jobs import services as job_services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Refusals = (
    OutsideWindow,
    registration.RegistrationRefused,
    scheduling.SchedulingRefused,
    scores.ScoreRefused,
    online.OnlineRefused,
)


def _user(request: HttpRequest) -> Any:
    """The signed-in user (views here are behind ``role_required``)."""
    return request.user


def refusals_as_messages(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A refused action (outside its window, not allowed) changes nothing and returns to the
    plan with the reason as a message and an ``X-Refused`` header, whether it came from the
    page or from a direct POST."""

    @wraps(view)
    def wrapped(request: HttpRequest, plan_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, plan_id, *args, **kwargs)
        except Refusals as exc:
            as_message(request, exc)
            response = redirect("certification:plan", plan_id=plan_id)
            response["X-Refused"] = "window" if isinstance(exc, OutsideWindow) else "refused"
            return response

    return wrapped


def _plan(plan_id: int) -> ExamPlan:
    # Plans are public within the platform: every organisation and site member sees them.
    return get_object_or_404(
        ExamPlan.objects.select_related("certificate", "organisation"), pk=plan_id
    )


def _site(request: HttpRequest) -> Site:
    site = _user(request).site
    if site is None:
        raise OutsideWindow(_("Your account is not linked to an exam site."))
    return site


@role_required(Role.ORG_ADMIN, Role.SITE_ADMIN)
def plan_list(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST or None) if _user(request).has_role(Role.ORG_ADMIN) else None
    if request.method == "POST":
        if form is None:
            return HttpResponse(status=403)
        if form.is_valid():
            with transaction.atomic():
                plan = form.save()
                record("plan.created", target=plan, request=request)
            messages.success(request, _("Plan %(name)s added.") % {"name": plan.name})
            return redirect("certification:plan", plan_id=plan.pk)
    now = timezone.now()
    plans = []
    for plan in ExamPlan.objects.for_listing():
        phase = windows.current(plan, now)
        plans.append((plan, Phase(phase).label if phase else None))
    return render(
        request,
        "certification/plan_list.html",
        {"plans": plans, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.ORG_ADMIN, Role.SITE_ADMIN)
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    searched = search_terms.handle(request)
    if searched is not None:
        return searched
    now = timezone.now()
    is_org = _user(request).has_role(Role.ORG_ADMIN)
    enrolments = Enrolment.objects.visible_to(request.user).filter(plan=plan)
    q = search_terms.term(request).strip()
    listed = enrolments.select_related(
        "candidate",
        "candidate__institution",
        "site",
        "seat__room",
        "seat__session",
        "score",
        "issued_certificate",
    ).prefetch_related("issued_certificate__signatures__signer")
    if q:
        listed = listed.filter(candidate__name__icontains=q) | listed.filter(
            candidate__id_number__startswith=q.upper()
        )
    page = Paginator(listed.order_by("site__code", "candidate__id_number"), 50).get_page(
        request.GET.get("page")
    )
    if is_org and windows.is_open(plan, Phase.SCHEDULING, now):
        # Each seat may move to another room of the candidate's own site.
        page.object_list = list(page.object_list)
        rooms_by_site: dict[int, list[Room]] = {}
        for room in Room.objects.filter(site_id__in={e.site_id for e in page.object_list}):
            rooms_by_site.setdefault(room.site_id, []).append(room)
        for e in page.object_list:
            e.room_choices = rooms_by_site.get(e.site_id, [])  # type: ignore[attr-defined]
    eligible = Candidate.objects.none()
    if not is_org:
        eligible = (
            Candidate.objects.visible_to(request.user)
            .filter(verification=Verification.VERIFIED, certificate=plan.certificate)
            .exclude(enrolments__plan=plan)[:200]
        )
    rooms = Room.objects.visible_to(request.user).filter(seats__session__plan=plan).distinct()
    sessions = list(plan.sessions.select_related("exam"))
    open_phases = {phase for phase in windows.ORDER if windows.is_open(plan, phase, now)}
    return render(
        request,
        "certification/plan_detail.html",
        {
            "plan": plan,
            "is_org": is_org,
            "windows": [
                (phase, label, *windows.bounds(plan, phase), windows.is_open(plan, phase, now))
                for phase, label in Phase.choices
            ],
            "current": windows.current(plan, now),
            "open": open_phases,
            "usable_exams": list(online.usable_exams(plan, request.user)) if is_org else [],
            "can_link": is_org and now < plan.exam_closes,
            "online_sessions": any(s.exam_id for s in sessions),
            "page": page,
            "q": q,
            "counts": {
                "registered": enrolments.count(),
                "seated": enrolments.filter(seat__isnull=False).count(),
                "scored": enrolments.filter(score__isnull=False).count(),
                "online": enrolments.filter(seat__registration__isnull=False).count(),
            },
            "eligible": eligible,
            "rooms": [(room, session) for room in rooms for session in sessions],
            "sessions": sessions,
            "session_form": SessionForm(),
            "windows_form": WindowsForm(instance=plan, prefix="windows") if is_org else None,
            "sheet_form": SheetForm(),
            "ended": now >= plan.publication_closes,
            "published": now >= plan.publication_opens,
        },
    )


@require_POST
@role_required(Role.ORG_ADMIN)
def change_windows(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Move the plan's windows (its times were fixed only when it was created before)."""
    plan = _plan(plan_id)
    old = {name: getattr(plan, name).isoformat() for name in WindowsForm.Meta.fields}
    form = WindowsForm(request.POST, instance=plan, prefix="windows")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("certification:plan", plan_id=plan.pk)
    with transaction.atomic():
        plan = form.save()
        new = {name: getattr(plan, name).isoformat() for name in WindowsForm.Meta.fields}
        changed = {name: [old[name], new[name]] for name in new if old[name] != new[name]}
        record("plan.windows_changed", target=plan, request=request, changed=changed)
    messages.success(request, _("The plan's windows were changed."))
    return redirect("certification:plan", plan_id=plan.pk)


# Registration (site, registration window)


@require_POST
@role_required(Role.SITE_ADMIN)
@refusals_as_messages
def register(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    windows.require(plan, Phase.REGISTRATION)
    site = _site(request)
    ids = [i for i in request.POST.getlist("candidates") if i.isdigit()]
    done = 0
    for candidate in Candidate.objects.visible_to(request.user).filter(pk__in=ids):
        try:
            registration.register(plan, candidate, site, actor=request.user, request=request)
            done += 1
        except registration.RegistrationRefused as exc:
            as_message(request, exc, prefix=f"{candidate.name}: ")
    messages.success(request, _("%(n)s candidates registered.") % {"n": done})
    return redirect("certification:plan", plan_id=plan.pk)


@require_POST
@role_required(Role.SITE_ADMIN)
@refusals_as_messages
def import_registrations(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    windows.require(plan, Phase.REGISTRATION)
    form = SheetForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose an xlsx file."))
        return redirect("certification:plan", plan_id=plan.pk)
    try:
        report = registration.import_registrations(
            plan,
            form.cleaned_data["file"].read(),
            _site(request),
            Candidate.objects.visible_to(request.user),
            actor=request.user,
        )
    except ImportRefused as exc:
        messages.error(request, str(exc))
        return redirect("certification:plan", plan_id=plan.pk)
    for p in report.problems:
        messages.error(
            request,
            _("Row %(row)s, %(column)s: %(reason)s")
            % {"row": p.row, "column": column_label(p.column), "reason": p.message},
        )
    if not report.problems:
        messages.success(request, _("%(n)s candidates registered.") % {"n": report.registered})
    return redirect("certification:plan", plan_id=plan.pk)


@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def registration_template(request: HttpRequest, plan_id: int) -> HttpResponse:
    _plan(plan_id)
    response = HttpResponse(registration.registration_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="registration-template.xlsx"'
    return response


# Scheduling (organisation, scheduling window)


@require_POST
@role_required(Role.ORG_ADMIN)
@refusals_as_messages
def add_session(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    windows.require(plan, Phase.SCHEDULING)
    form = SessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the session a name, a start and an end."))
    else:
        scheduling.add_session(plan, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Session added."))
    return redirect("certification:plan", plan_id=plan.pk)


@require_POST
@role_required(Role.ORG_ADMIN)
@refusals_as_messages
def auto_assign(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    result = scheduling.auto_assign(plan, actor=request.user)
    messages.success(
        request,
        _("%(seated)s candidates seated; %(unseated)s could not be seated (no capacity left).")
        % {"seated": result.seated, "unseated": result.unseated},
    )
    if plan.sessions.filter(exam__isnull=False).exists():
        return _start_registration(request, plan)
    return redirect("certification:plan", plan_id=plan.pk)


def _start_registration(request: HttpRequest, plan: ExamPlan) -> HttpResponse:
    """Queue the job that makes the plan's seats its online registrations; show its page."""
    job = job_services.start(
        certification_jobs.REGISTER_ONLINE,
        request.user,
        params={"plan": plan.pk},
        total=Seat.objects.filter(session__plan=plan).count(),
    )
    return redirect("jobs:detail", job_id=job.pk)


@require_POST
@role_required(Role.ORG_ADMIN)
@refusals_as_messages
def link_exam(request: HttpRequest, plan_id: int, session_id: int) -> HttpResponse:
    """Choose the online exam taken in a session (or none); the seats follow in a job."""
    plan = _plan(plan_id)
    session = get_object_or_404(
        ExamSession.objects.select_related("plan"), pk=session_id, plan=plan
    )
    chosen = request.POST.get("exam", "")
    exam = None
    if chosen:
        exam = (
            online.usable_exams(plan, request.user)
            .filter(pk=chosen if chosen.isdigit() else 0)
            .first()
        )
        if exam is None:
            raise online.OnlineRefused(_("Choose one of the exams listed for the session."))
    if not online.link_exam(session, exam, actor=request.user, request=request):
        messages.info(request, _("The session already had this exam."))
        return redirect("certification:plan", plan_id=plan.pk)
    if exam is None:
        messages.success(request, _("The session is no longer taken online."))
    else:
        messages.success(
            request,
            _("The session “%(session)s” is taken in the online exam “%(exam)s”.")
            % {"session": session.name, "exam": exam.title},
        )
    if Seat.objects.filter(session=session).exists():
        return _start_registration(request, plan)
    return redirect("certification:plan", plan_id=plan.pk)


@require_POST
@role_required(Role.ORG_ADMIN)
@refusals_as_messages
def register_online(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    if not plan.sessions.filter(exam__isnull=False).exists():
        raise online.OnlineRefused(_("Link a session to its online exam first."))
    return _start_registration(request, plan)


@require_POST
@role_required(Role.ORG_ADMIN)
@refusals_as_messages
def move_seat(request: HttpRequest, plan_id: int, seat_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    windows.require(plan, Phase.SCHEDULING)
    seat = get_object_or_404(
        Seat.objects.select_related("enrolment__plan"), pk=seat_id, enrolment__plan=plan
    )
    session = get_object_or_404(ExamSession, pk=request.POST.get("session") or 0, plan=plan)
    room = get_object_or_404(Room, pk=request.POST.get("room") or 0)
    number = request.POST.get("number", "")
    if not number.isdigit():
        raise scheduling.SchedulingRefused(_("Give a seat number."))
    scheduling.move(seat, session=session, room=room, number=int(number), actor=request.user)
    messages.success(request, _("Seat changed."))
    return redirect("certification:plan", plan_id=plan.pk)


# Documents (site or organisation, once seated)


def _seats(request: HttpRequest, plan: ExamPlan) -> Any:
    return certification_jobs.seats_visible_to(request.user, plan)


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def ticket(request: HttpRequest, plan_id: int, seat_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    seat = get_object_or_404(_seats(request, plan), pk=seat_id)
    return _pdf(
        documents.ticket(seat, documents.addresses(request)), f"ticket-{seat.ticket_number}.pdf"
    )


@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def room_tickets(request: HttpRequest, plan_id: int, room_id: int, session_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    seats = list(
        _seats(request, plan).filter(room_id=room_id, session_id=session_id).order_by("number")
    )
    if not seats:
        return HttpResponse(status=404)
    data = documents.tickets(seats, links=documents.addresses(request))
    return _pdf(data, f"tickets-{plan.code}-{room_id}-{session_id}.pdf")


@require_POST
@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def room_tickets_job(
    request: HttpRequest, plan_id: int, room_id: int, session_id: int
) -> HttpResponse:
    """Queue the room's merged tickets as a background job and show its page."""
    plan = _plan(plan_id)
    count = _seats(request, plan).filter(room_id=room_id, session_id=session_id).count()
    if not count:
        return HttpResponse(status=404)
    job = job_services.start(
        certification_jobs.TICKETS,
        request.user,
        params={
            "plan": plan.pk,
            "room": room_id,
            "session": session_id,
            "links": documents.addresses(request),
        },
        total=count,
    )
    return redirect("jobs:detail", job_id=job.pk)


@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def room_materials(
    request: HttpRequest, plan_id: int, room_id: int, session_id: int
) -> HttpResponse:
    plan = _plan(plan_id)
    seats = list(
        _seats(request, plan).filter(room_id=room_id, session_id=session_id).order_by("number")
    )
    if not seats:
        return HttpResponse(status=404)
    context = {"plan": plan, "room": seats[0].room, "session": seats[0].session}
    return _pdf(
        documents.room_materials(seats, context), f"room-{plan.code}-{room_id}-{session_id}.pdf"
    )


# Scores (organisation, score-entry window)


@require_POST
@role_required(Role.ORG_ADMIN)
@refusals_as_messages
def enter_score(request: HttpRequest, plan_id: int, enrolment_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    windows.require(plan, Phase.SCORE_ENTRY)
    enrolment = get_object_or_404(Enrolment.objects.filter(plan=plan), pk=enrolment_id)
    scores.enter(enrolment, request.POST.get("score", ""), actor=request.user)
    messages.success(request, _("Score saved."))
    return redirect("certification:plan", plan_id=plan.pk)


@require_POST
@role_required(Role.ORG_ADMIN)
@refusals_as_messages
def collect_scores(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    count = online.collect_scores(plan, actor=request.user, request=request)
    messages.success(request, _("%(n)s online scores taken from the graded papers.") % {"n": count})
    return redirect("certification:plan", plan_id=plan.pk)


def _score_column(key: str) -> str:
    """A score sheet's column in the reader's language, never its internal key."""
    return _("Score") if key == "score" else column_label(key)


@require_POST
@role_required(Role.ORG_ADMIN)
@refusals_as_messages
def import_scores(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    windows.require(plan, Phase.SCORE_ENTRY)
    form = SheetForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose an xlsx file."))
        return redirect("certification:plan", plan_id=plan.pk)
    try:
        report = scores.import_scores(plan, form.cleaned_data["file"].read(), actor=request.user)
    except ImportRefused as exc:
        messages.error(request, str(exc))
        return redirect("certification:plan", plan_id=plan.pk)
    for p in report.problems:
        messages.error(
            request,
            _("Row %(row)s, %(column)s: %(reason)s")
            % {"row": p.row, "column": _score_column(p.column), "reason": p.message},
        )
    if not report.problems:
        messages.success(request, _("%(n)s scores saved.") % {"n": report.saved})
    return redirect("certification:plan", plan_id=plan.pk)


# Certificates (after the plan ended: organisation signs, site signs, organisation stamps)


@require_POST
@role_required(Role.ORG_ADMIN)
@refusals_as_messages
def org_sign(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    created = certificates.org_sign(plan, actor=request.user, request=request)
    messages.success(request, _("%(n)s certificates signed by the organisation.") % {"n": created})
    return redirect("certification:plan", plan_id=plan.pk)


def _issued(request: HttpRequest, plan: ExamPlan) -> Any:
    return IssuedCertificate.objects.filter(
        enrolment__in=Enrolment.objects.visible_to(request.user).filter(plan=plan)
    )


def _advance_certificates(
    request: HttpRequest, plan_id: int, status: str, done: str
) -> HttpResponse:
    """The signing steps after the organisation's first signature: move every certificate of the
    plan the user may see to ``status`` once the plan has ended."""
    plan = _plan(plan_id)
    windows.require_ended(plan)
    outcome = certificates.advance(
        _issued(request, plan), status, actor=request.user, request=request
    )
    messages.success(request, done % {"n": outcome.moved})
    if outcome.changed:
        messages.error(
            request,
            _(
                "%(n)s certificates were not signed: their data changed after the previous "
                "signature was made. Check these candidates' records."
            )
            % {"n": outcome.changed},
        )
    return redirect("certification:plan", plan_id=plan.pk)


@require_POST
@role_required(Role.SITE_ADMIN)
@refusals_as_messages
def site_sign(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _advance_certificates(
        request, plan_id, CertificateStatus.SITE_SIGNED, _("%(n)s certificates signed by the site.")
    )


@require_POST
@role_required(Role.ORG_ADMIN)
@refusals_as_messages
def stamp(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _advance_certificates(
        request, plan_id, CertificateStatus.STAMPED, _("%(n)s certificates stamped.")
    )


@require_POST
@role_required(Role.ORG_ADMIN)
def revoke(request: HttpRequest, plan_id: int, certificate_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    issued = get_object_or_404(_issued(request, plan), pk=certificate_id)
    reason = request.POST.get("reason", "").strip()[:200]
    if not reason:
        messages.error(request, _("Give the reason for the revocation."))
    elif issued.status != CertificateStatus.STAMPED:
        messages.error(request, _("Only a valid certificate can be revoked."))
    else:
        certification_services.transition_to(
            issued,
            CertificateStatus.REVOKED,
            actor=request.user,
            request=request,
            reason=reason,
            revoked_reason=reason,
        )
        messages.success(request, _("Certificate revoked."))
    return redirect("certification:plan", plan_id=plan.pk)


@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def export(request: HttpRequest, plan_id: int) -> HttpResponse:
    from openpyxl import Workbook

    plan = _plan(plan_id)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("plan")
    sheet.append(
        [
            _("Full name"),
            _("ID number"),
            _("Institution"),
            _("Exam site"),
            _("Session"),
            _("Room"),
            _("Seat"),
            _("Score"),
            _("Passed"),
            _("Score source"),
            _("Online exam"),
            _("Online points"),
            _("Certificate number"),
        ]
    )
    published = timezone.now() >= plan.publication_opens or _user(request).has_role(Role.ORG_ADMIN)
    rows = (
        Enrolment.objects.visible_to(request.user)
        .filter(plan=plan)
        .select_related(
            "candidate__institution",
            "site",
            "seat__room",
            "seat__session",
            "seat__session__exam",
            "score__attempt",
            "issued_certificate",
        )
    )
    for e in rows.iterator(chunk_size=2000):
        seat = getattr(e, "seat", None)
        score = getattr(e, "score", None) if published else None
        issued = getattr(e, "issued_certificate", None)
        attempt = score.attempt if score else None
        exam = seat.session.exam if seat else None
        sheet.append(
            safe_row(
                sheet,
                [
                    e.candidate.name,
                    e.candidate.id_number,
                    str(e.candidate.institution or ""),
                    e.site.name,
                    seat.session.name if seat else "",
                    seat.room.code if seat else "",
                    seat.number if seat else "",
                    float(score.value) if score else "",
                    (_("yes") if score.passed else _("no")) if score else "",
                    score.get_source_display() if score else "",
                    exam.title if exam else "",
                    f"{attempt.score}/{attempt.max_score}" if attempt else "",
                    issued.number if issued else "",
                ],
            )
        )
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.code}.xlsx"'
    return response
