"""Pages of exam-security inspection. Every object is fetched through an access-scoped
queryset (``Unit.objects.visible_to``, ``Rectification.objects.visible_to``), so another unit's
report or finding is a 404; the services check again who may act."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from inspections import deadlines, services, summary
from inspections.forms import (
    FindingFilterForm,
    FindingForm,
    ProgressForm,
    ReviewForm,
    UnitFilterForm,
)
from inspections.models import (
    AnswerResult,
    ChecklistTemplate,
    Evidence,
    Rectification,
    ReportStatus,
    SelfInspectionReport,
    Unit,
)
from inspections.statuses import IN_HAND, RectificationStatus

ROLES = (Role.INSPECTOR, Role.UNIT_STAFF, Role.ORG_ADMIN)
PAGE_SIZE = 20


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@role_required(*ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    """This week at a glance: the user's own units' reports, their rectification items, and
    the units they may see, searchable."""
    now = timezone.now()
    week = deadlines.current_week(now)
    own_units = list(Unit.objects.staffed_by(request.user))
    form = UnitFilterForm(request.GET or None)
    units = Unit.objects.visible_to(request.user).select_related("parent")
    if form.is_valid():
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"]
            units = units.filter(Q(name__icontains=q) | Q(code__icontains=q))
        if form.cleaned_data["kind"]:
            units = units.filter(kind=form.cleaned_data["kind"])
    my_items = (
        Rectification.objects.filter(owner_id=request.user.pk, status__in=IN_HAND)
        .select_related("finding__unit")
        .order_by("deadline")
    )
    return render(
        request,
        "inspections/dashboard.html",
        {
            "week": week,
            "now": now,
            "own_rows": deadlines.weekly_status(own_units, week, now),
            "my_items": my_items,
            "form": form,
            "units": _page(request, units),
        },
    )


@role_required(*ROLES)
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=unit_id)
    now = timezone.now()
    week = deadlines.current_week(now)
    page = _page(
        request, unit.reports.select_related("template").order_by("-week", "template__code")
    )
    rows = [(report, deadlines.state_of(report, report.deadline, now)) for report in page]
    return render(
        request,
        "inspections/unit.html",
        {
            "unit": unit,
            "this_week": deadlines.weekly_status([unit], week, now),
            "reports": rows,
            "page": page,
            "children": unit.children.all() if unit.children.exists() else None,
            "findings": Rectification.objects.filter(finding__unit=unit)
            .select_related("finding__item", "owner")
            .order_by("-finding__recorded_at")[:50],
            "can_answer": Unit.objects.staffed_by(request.user).filter(pk=unit.pk).exists(),
            "can_inspect": Unit.objects.inspectable_by(request.user).filter(pk=unit.pk).exists(),
        },
    )


@require_POST
@role_required(Role.UNIT_STAFF)
def report_start(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=unit_id)
    template = get_object_or_404(
        ChecklistTemplate.objects.for_unit(unit), pk=request.POST.get("template") or 0
    )
    week = deadlines.parse_week(request.POST.get("week"))
    try:
        report = services.open_report(unit, template, week, request.user)
    except services.InspectionError as exc:
        messages.error(request, exc.message)
        return redirect("inspections:unit", unit.pk)
    return redirect("inspections:report", report.pk)


def _posted_answers(
    request: HttpRequest, report: SelfInspectionReport
) -> tuple[list[services.AnswerInput], dict[int, list[Any]]]:
    """Answers named ``result-<item id>`` / ``note-<item id>`` and files ``files-<item id>``.
    Item ids are taken as sent: the service refuses those of another checklist."""
    answers, files = [], {}
    for key, value in request.POST.items():
        if key.startswith("result-") and value:
            try:
                item_id = int(key.removeprefix("result-"))
            except ValueError:
                raise services.InspectionError(_("The form was not understood.")) from None
            answers.append(
                services.AnswerInput(item_id, str(value), request.POST.get(f"note-{item_id}", ""))
            )
    for key in request.FILES:
        if key.startswith("files-"):
            try:
                files[int(key.removeprefix("files-"))] = request.FILES.getlist(key)
            except ValueError:
                raise services.InspectionError(_("The form was not understood.")) from None
    return answers, files


@role_required(*ROLES)
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(
        SelfInspectionReport.objects.visible_to(request.user).select_related("unit", "template"),
        pk=report_id,
    )
    can_edit = (
        report.status == ReportStatus.DRAFT
        and Unit.objects.staffed_by(request.user).filter(pk=report.unit_id).exists()
    )
    error, status = "", 200
    if request.method == "POST":
        if not can_edit:
            error, status = _("This report has already been submitted and cannot change."), 409
        else:
            try:
                answers, files = _posted_answers(request, report)
                services.save_answers(
                    report, answers, files, request.user, submit="submit" in request.POST
                )
            except services.InspectionError as exc:
                error, status = exc.message, 400
            else:
                if "submit" in request.POST:
                    messages.success(request, _("The report was submitted."))
                else:
                    messages.success(request, _("Your answers were saved."))
                return redirect("inspections:report", report.pk)
    stored = {a.item_id: a for a in report.answers.prefetch_related("evidence")}
    sections = []
    for section in report.template.sections.prefetch_related("items"):
        rows = []
        for item in section.items.all():
            answer = stored.get(item.pk)
            if request.method == "POST" and error:  # show what the user sent, not the old state
                result = request.POST.get(f"result-{item.pk}", "")
                note = request.POST.get(f"note-{item.pk}", "")
            else:
                result = answer.result if answer else ""
                note = answer.note if answer else ""
            rows.append({"item": item, "answer": answer, "result": result, "note": note})
        sections.append((section, rows))
    now = timezone.now()
    return render(
        request,
        "inspections/report.html",
        {
            "report": report,
            "state": deadlines.state_of(report, report.deadline, now),
            "sections": sections,
            "results": AnswerResult.choices,
            "can_edit": can_edit,
            "error": error,
        },
        status=status,
    )


@role_required(Role.INSPECTOR, Role.UNIT_STAFF, Role.ORG_ADMIN)
def finding_new(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.inspectable_by(request.user), pk=unit_id)
    form = FindingForm(unit, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                finding = services.record_finding(
                    unit=unit,
                    item=form.cleaned_data["item"],
                    description=form.cleaned_data["description"],
                    owner=form.cleaned_data["owner"],
                    deadline=form.cleaned_data["deadline"],
                    photos=request.FILES.getlist("photos"),
                    user=request.user,
                    request=request,
                )
            except services.InspectionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The finding was recorded."))
                return redirect("inspections:finding", finding.rectification.pk)
    return render(
        request, "inspections/finding_new.html", {"unit": unit, "form": form}, status=status
    )


@role_required(*ROLES)
def findings(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form = FindingFilterForm(request.GET or None)
    items = Rectification.objects.visible_to(request.user).select_related(
        "finding__unit", "finding__item__section", "owner"
    )
    chosen = form.cleaned_data["status"] if form.is_valid() else ""
    if chosen == "overdue":
        items = items.overdue(now)
    elif chosen in RectificationStatus.values:
        items = items.filter(status=chosen)
    elif chosen != "all":
        items = items.unresolved()
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        items = items.filter(
            Q(finding__unit__name__icontains=q)
            | Q(finding__description__icontains=q)
            | Q(finding__item__text__icontains=q)
        )
    return render(
        request,
        "inspections/findings.html",
        {"form": form, "page": _page(request, items.order_by("deadline", "pk")), "now": now},
    )


@role_required(*ROLES)
def finding_detail(request: HttpRequest, rectification_id: int) -> HttpResponse:
    item = get_object_or_404(
        Rectification.objects.visible_to(request.user).select_related(
            "finding__unit", "finding__item__section", "finding__recorded_by", "owner"
        ),
        pk=rectification_id,
    )
    can_report = item.owner_id == request.user.pk and item.status in IN_HAND
    can_review = (
        item.status == RectificationStatus.SUBMITTED
        and Unit.objects.inspectable_by(request.user).filter(pk=item.finding.unit_id).exists()
    )
    progress_form = ProgressForm(request.POST if "progress" in request.POST else None)
    review_form = ReviewForm(request.POST if "review" in request.POST else None)
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if "progress" in request.POST and progress_form.is_valid():
                services.report_progress(
                    item,
                    note=progress_form.cleaned_data["note"],
                    files=request.FILES.getlist("files"),
                    fixed=progress_form.cleaned_data["fixed"],
                    user=request.user,
                    request=request,
                )
                messages.success(request, _("Your report was recorded."))
                return redirect("inspections:finding", item.pk)
            if "review" in request.POST and review_form.is_valid():
                services.review(
                    item,
                    accept=review_form.cleaned_data["decision"] == "accept",
                    note=review_form.cleaned_data["note"],
                    new_deadline=review_form.cleaned_data["new_deadline"],
                    user=request.user,
                    request=request,
                )
                messages.success(request, _("Your decision was recorded."))
                return redirect("inspections:finding", item.pk)
        except services.InspectionError as exc:
            form = progress_form if "progress" in request.POST else review_form
            form.add_error(None, exc.message)
    return render(
        request,
        "inspections/finding.html",
        {
            "item": item,
            "overdue": item.status in IN_HAND and item.deadline < timezone.now(),
            "photos": item.finding.evidence.all(),
            "updates": item.updates.select_related("author").prefetch_related("evidence"),
            "escalations": item.escalations.all(),
            "can_report": can_report,
            "can_review": can_review,
            "progress_form": progress_form,
            "review_form": review_form,
        },
        status=status,
    )


def _summary(request: HttpRequest) -> summary.WeeklySummary:
    week = deadlines.parse_week(request.GET.get("week"))
    units = list(Unit.objects.visible_to(request.user).order_by("kind", "code"))
    return summary.weekly_summary(units, week)


@role_required(*ROLES)
def weekly_summary(request: HttpRequest) -> HttpResponse:
    data = _summary(request)
    return render(request, "inspections/summary.html", {"summary": data})


@role_required(*ROLES)
def weekly_summary_xlsx(request: HttpRequest) -> HttpResponse:
    data = _summary(request)
    response = HttpResponse(
        summary.to_xlsx(data),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="inspections-{data.week}.xlsx"'
    return response


@role_required(*ROLES)
def weekly_summary_pdf(request: HttpRequest) -> HttpResponse:
    data = _summary(request)
    response = HttpResponse(summary.to_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="inspections-{data.week}.pdf"'
    return response


@role_required(*ROLES)
def checklists(request: HttpRequest) -> HttpResponse:
    templates = ChecklistTemplate.objects.active().prefetch_related("sections__items")
    user: Any = request.user  # signed in: role_required
    return render(
        request,
        "inspections/checklists.html",
        {"templates": templates, "can_manage": user.has_role(Role.ORG_ADMIN)},
    )


@role_required(*ROLES)
def evidence(request: HttpRequest, evidence_id: int) -> Any:  # a FileResponse
    """Serve an evidence file to those who may see the record it belongs to."""
    visible = Unit.objects.visible_to(request.user)
    owned = Rectification.objects.visible_to(request.user)
    item = Evidence.objects.filter(
        Q(answer__report__unit__in=visible)
        | Q(finding__rectification__in=owned)
        | Q(update__rectification__in=owned),
        pk=evidence_id,
    ).first()
    if item is None:
        raise Http404
    return FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=not item.is_image,
        filename=item.original_name,
    )
