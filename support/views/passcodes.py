"""Passcode delivery (R-EXAM-3): scheduling an exam's passcode SMS, its delivery log, and a
re-issue to one candidate's registered phone after an identity check."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import role_required
from core import ratelimit, search_terms
from core.errors import as_form_error
from exams import passcodes
from exams.models import Exam, Registration
from notifications.models import Delivery
from support.forms import (
    ReissueForm,
    ScheduleForm,
)
from support.views.base import SUPPORT, candidate_search, paginate, rooms_of


def _exams(request: HttpRequest) -> QuerySet[Exam]:
    return Exam.objects.filter(registrations__room__in=rooms_of(request.user)).distinct()


@role_required(*SUPPORT)
def passcode_exams(request: HttpRequest) -> HttpResponse:
    rows = _exams(request).order_by("-opens_at")
    return render(request, "support/passcode_exams.html", {"page": paginate(request, rows)})


@role_required(*SUPPORT)
def passcode_exam(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = get_object_or_404(_exams(request), pk=exam_id)
    # The candidate search posts too: it is told apart from the schedule form by its field.
    searched = search_terms.handle(request, keep=("status",))
    if searched is not None:
        return searched
    form = ScheduleForm(
        request.POST or None,
        initial={"send_at": timezone.localtime(passcodes.default_send_time(exam))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = passcodes.schedule(
                exam, form.cleaned_data["send_at"], actor=request.user, request=request
            )
        except passcodes.PasscodeRefused as refused:
            form.add_error("send_at", refused.message)
        else:
            messages.success(
                request,
                _(
                    "Scheduled: %(queued)s new, %(moved)s moved to the new time, %(sent)s already "
                    "sent, %(missing)s without a phone number."
                )
                % {
                    "queued": result.queued,
                    "moved": result.moved,
                    "sent": result.already_sent,
                    "missing": result.without_phone,
                },
            )
            return redirect("support:passcode-exam", exam.pk)
    registrations = passcodes.registrations_for(request.user, exam)
    q = search_terms.term(request)
    status = request.GET.get("status", "")
    log = passcodes.deliveries(registrations)
    if status in Delivery.Status.values:
        log = log.filter(status=status)
    if q.strip():
        matching = registrations.filter(candidate_search("candidate", q))
        log = log.filter(about__in=[passcodes.about(r) for r in matching])
    page = paginate(request, log.order_by("-scheduled_for", "-id"))
    by_about = {
        passcodes.about(r): r
        for r in registrations.select_related("candidate", "room").filter(
            pk__in=[int(d.about.rsplit(":", 1)[1]) for d in page.object_list]
        )
    }
    counts = dict(
        passcodes.deliveries(registrations)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return render(
        request,
        "support/passcode_exam.html",
        {
            "exam": exam,
            "form": form,
            "page": page,
            "rows": [(d, by_about.get(d.about)) for d in page.object_list],
            "registrations": registrations.select_related("candidate", "room").order_by(
                "candidate__name"
            )[:500],
            "q": q,
            "status": status,
            "statuses": Delivery.Status.choices,
            "counts": [(v, label, counts.get(v, 0)) for v, label in Delivery.Status.choices],
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(*SUPPORT)
def passcode_reissue(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = get_object_or_404(
        Registration.objects.filter(room__in=rooms_of(request.user)).select_related(
            "candidate", "exam", "room"
        ),
        pk=registration_id,
    )
    form = ReissueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit("passcode-reissue-staff", str(request.user.pk), limit=30):
            form.add_error(None, _("Too many re-issues. Wait a minute and try again."))
        else:
            try:
                passcodes.reissue(
                    registration,
                    actor=request.user,
                    checks=form.cleaned_data["checks"],
                    notes=form.cleaned_data["notes"],
                    request=request,
                )
            except passcodes.PasscodeRefused as refused:
                as_form_error(form, refused)
            else:
                messages.success(
                    request,
                    _(
                        "A new passcode was sent to the candidate's registered phone; the one "
                        "sent before no longer works."
                    ),
                )
                return redirect("support:passcode-exam", registration.exam_id)
    return render(
        request,
        "support/passcode_reissue.html",
        {
            "registration": registration,
            "candidate": registration.candidate,
            "form": form,
            "masked_phone": _mask_phone(registration.candidate.phone),
        },
        status=400 if request.method == "POST" else 200,
    )


def _mask_phone(phone: str) -> str:
    phone = phone.strip()
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else phone
