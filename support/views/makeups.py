"""Make-up requests (R-EMG-5): the candidate files one after a failed attempt, support decides
it; the screenshot is served only to its candidate and to support."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.access import role_required
from accounts.roles import Role
from core import search_terms
from core.errors import as_message
from exams import repairs
from exams.models import Attempt
from support import makeup
from support.forms import (
    DecisionForm,
    MakeupRequestForm,
)
from support.models import MakeupRequest
from support.statuses import MakeupStatus
from support.views.base import SUPPORT, candidate_search, paginate


@role_required(Role.CANDIDATE)
def makeup_new(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_object_or_404(
        Attempt.objects.of_candidate(request.user).select_related("registration__exam"),
        pk=attempt_id,
    )
    problem = makeup.refusal(attempt)
    form = MakeupRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and problem is None and form.is_valid():
        try:
            makeup.file_request(
                attempt,
                explanation=form.cleaned_data["explanation"],
                screenshot=form.cleaned_data["screenshot"],
                extension=form.extension,
                request=request,
            )
        except makeup.MakeupRefused as refused:
            as_message(request, refused)
        else:
            messages.success(request, _("Your request was sent. Support will review it."))
        return redirect("exams:result", attempt.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "support/makeup_new.html",
        {"attempt": attempt, "exam": attempt.registration.exam, "form": form, "problem": problem},
        status=status,
    )


def _makeups(request: HttpRequest) -> QuerySet[MakeupRequest]:
    return MakeupRequest.objects.visible_to(request.user).select_related(
        "registration__candidate", "registration__exam", "attempt", "decided_by"
    )


@role_required(*SUPPORT)
def makeup_requests(request: HttpRequest) -> HttpResponse:
    searched = search_terms.handle(request, keep=("status",))
    if searched is not None:
        return searched
    status = request.GET.get("status", MakeupStatus.PENDING)
    q = search_terms.term(request)
    rows = _makeups(request).filter(candidate_search("registration__candidate", q))
    if status in MakeupStatus.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "support/makeup_requests.html",
        {
            "page": paginate(request, rows.order_by("created_at", "id")),
            "status": status,
            "q": q,
            "statuses": MakeupStatus.choices,
        },
    )


@role_required(*SUPPORT)
def makeup_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    found = get_object_or_404(_makeups(request), pk=request_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decided = makeup.decide(
                found,
                grant=form.cleaned_data["decision"] == "grant",
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            )
        except repairs.RepairRefused as refused:
            form.add_error("reason", refused.message)
        else:
            if decided:
                messages.success(request, _("The decision was recorded."))
            else:
                messages.error(request, _("Someone else decided this request first."))
            return redirect("support:makeup", found.pk)
    return render(
        request,
        "support/makeup_detail.html",
        {"makeup": found, "form": form, "attempt": found.attempt},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.CANDIDATE, *SUPPORT)
def makeup_screenshot(request: HttpRequest, request_id: int) -> Any:  # a FileResponse
    found = get_object_or_404(MakeupRequest.objects.visible_to(request.user), pk=request_id)
    if not found.screenshot:
        raise Http404
    response = FileResponse(found.screenshot.open("rb"))
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
