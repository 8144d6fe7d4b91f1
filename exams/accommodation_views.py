"""Staff pages of accommodations (issue 16): an exam's candidates with their accommodations,
and one candidate's form. Reached from the exam's set-up page and from the exam's passcode
page (support); the registrations come through ``accommodations.registrations_for``, so a site
administrator sees their site's candidates only, and anyone else gets 403 or 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import role_required
from accounts.roles import Role
from core.errors import as_form_error
from exams import accommodations
from exams.models import Accommodation, Exam


class AccommodationForm(forms.Form):
    extra_minutes = forms.IntegerField(
        label=gettext_lazy("Extra time (minutes)"),
        min_value=0,
        max_value=accommodations.MAX_EXTRA_MINUTES,
        initial=0,
        help_text=gettext_lazy(
            "Added to the exam's duration when the candidate starts answering; the attempt must "
            "still end within the exam window."
        ),
    )
    screen_reader = forms.BooleanField(
        label=gettext_lazy(
            "Uses a screen reader: no looking-away alert, leaving the page is only recorded"
        ),
        required=False,
    )
    may_leave_seat = forms.BooleanField(
        label=gettext_lazy("Medical reason to leave the seat: left-seat alerts at low severity"),
        required=False,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Shown to the proctors of the candidate's room."),
    )


@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def exam_accommodations(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = get_object_or_404(Exam, pk=exam_id)
    registrations = (
        accommodations.registrations_for(request.user)
        .filter(exam=exam)
        .select_related("accommodation")
        .order_by("candidate__name")
    )
    if not registrations.exists() and not Exam.objects.managed_by(request.user).filter(pk=exam.pk):
        raise Http404
    rows = [(r, getattr(r, "accommodation", None)) for r in registrations]
    return render(request, "exams/accommodations.html", {"exam": exam, "rows": rows})


@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def registration_accommodation(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = get_object_or_404(
        accommodations.registrations_for(request.user), pk=registration_id
    )
    current: Accommodation | None = accommodations.of(registration)
    initial = (
        {
            "extra_minutes": current.extra_minutes,
            "screen_reader": current.screen_reader,
            "may_leave_seat": current.may_leave_seat,
            "reason": current.reason,
        }
        if current
        else {"extra_minutes": 0}
    )
    form = AccommodationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            wanted = accommodations.Requested(
                extra_minutes=data["extra_minutes"],
                screen_reader=data["screen_reader"],
                may_leave_seat=data["may_leave_seat"],
                reason=data["reason"],
            )
            try:
                saved = accommodations.record_accommodation(
                    registration, wanted, by=request.user, request=request
                )
            except accommodations.AccommodationRefused as refused:
                as_form_error(form, refused)
            else:
                messages.success(
                    request,
                    _("The accommodation of %(name)s is recorded.")
                    % {"name": registration.candidate.name}
                    if saved
                    else _("%(name)s has no accommodation.")
                    % {"name": registration.candidate.name},
                )
                return redirect("exams:accommodations", exam_id=registration.exam_id)
    return render(
        request,
        "exams/accommodation_form.html",
        {
            "registration": registration,
            "exam": registration.exam,
            "form": form,
            "current": current,
        },
        status=status,
    )
