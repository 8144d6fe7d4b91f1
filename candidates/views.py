"""Screens for candidate records: list with search and filters, bulk import with its row
report, the template, photos, batch verification and manual confirmation (R-CERT-2…4)."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from candidates import imports, records, verification
from candidates import jobs as candidate_jobs
from candidates.forms import CandidateForm, DecisionForm, ImportForm, PhotosForm, ReasonForm
from candidates.models import Candidate
from candidates.statuses import Verification
from core import search_terms
from core.errors import Refused, as_form_error, as_message
from core.spreadsheets import safe_row
from jobs import services as job_services
from reference.models import Institution, institution_id_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAFF = (Role.SITE_ADMIN, Role.ORG_ADMIN)


def _user(request: HttpRequest) -> Any:
    """The signed-in user (views here are behind ``role_required``)."""
    return request.user


def _visible(request: HttpRequest) -> Any:
    return Candidate.objects.visible_to(request.user)


# The list and its export share the stored search term (core.search_terms).
SEARCH_SCOPE = "candidates"


def _filtered(request: HttpRequest) -> Any:
    candidates = _visible(request).search(search_terms.term(request, scope=SEARCH_SCOPE))
    state = request.GET.get("state", "")
    if state in Verification.values:
        candidates = candidates.filter(verification=state)
    return candidates.select_related("institution", "certificate", "major")


@role_required(*STAFF)
def candidate_list(request: HttpRequest) -> HttpResponse:
    searched = search_terms.handle(request, scope=SEARCH_SCOPE, keep=("state",))
    if searched is not None:
        return searched
    candidates = _filtered(request)
    page = Paginator(candidates, 50).get_page(request.GET.get("page"))
    counts = _counts(request)
    return render(
        request,
        "candidates/list.html",
        {
            "page": page,
            "q": search_terms.term(request, scope=SEARCH_SCOPE),
            "state": request.GET.get("state", ""),
            "states": [(v, label, counts.get(v, 0)) for v, label in Verification.choices],
            "query": request.GET.urlencode(),
        },
    )


def _counts(request: HttpRequest) -> dict[str, int]:
    from django.db.models import Count

    rows = _visible(request).order_by().values("verification").annotate(n=Count("pk"))
    return {row["verification"]: row["n"] for row in rows}


@role_required(*STAFF)
def template_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(imports.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="candidates-template.xlsx"'
    return response


def _institution_for(request: HttpRequest, form: ImportForm) -> Institution | None:
    if "institution" in form.fields:
        institution: Institution | None = form.cleaned_data["institution"]
        return institution
    institution_id = institution_id_of(request.user)
    return Institution.objects.filter(pk=institution_id).first() if institution_id else None


@role_required(*STAFF)
def import_view(request: HttpRequest) -> HttpResponse:
    is_org = _user(request).has_role(Role.ORG_ADMIN)
    if not is_org and institution_id_of(request.user) is None:
        messages.error(request, _("Your exam site is not linked to a pilot institution."))
        return redirect("candidates:list")
    form = ImportForm(request.POST or None, request.FILES or None, choose_institution=is_org)
    if request.method == "POST":
        if form.is_valid():
            institution = _institution_for(request, form)
            assert institution is not None
            photos = form.cleaned_data.get("photos")
            uploads = {"file": form.cleaned_data["file"].read()}
            if photos:
                uploads["photos"] = photos.read()
            # The import runs on a worker (imports.import_candidates through candidates.jobs);
            # the job page shows its progress and then the row report.
            job = job_services.start(
                candidate_jobs.KIND,
                request.user,
                params={
                    "institution": institution.pk,
                    "valid_only": form.cleaned_data["valid_only"],
                    "dry_run": form.cleaned_data["dry_run"],
                },
                uploads=uploads,
            )
            return redirect("jobs:detail", job_id=job.pk)
        return render(request, "candidates/import.html", {"form": form}, status=400)
    return render(request, "candidates/import.html", {"form": form})


@role_required(*STAFF)
def photos_view(request: HttpRequest) -> HttpResponse:
    form = PhotosForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            report = imports.replace_photos(
                form.cleaned_data["photos"].read(), _visible(request), actor=request.user
            )
            status = 200 if report.ok else 400
        else:
            status = 400
    return render(
        request, "candidates/photos.html", {"form": form, "report": report}, status=status
    )


@role_required(*STAFF)
def photo(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = get_object_or_404(_visible(request), pk=candidate_id)
    if not candidate.photo:
        raise Http404
    with candidate.photo.open("rb") as handle:
        data = handle.read()  # at most 5 MB (the photo rules)
    kind = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
    response = HttpResponse(data, content_type=kind)
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_POST
@role_required(*STAFF)
def verify_batch(request: HttpRequest) -> HttpResponse:
    selected = request.POST.getlist("ids")
    scope = _visible(request)
    if selected:
        scope = scope.filter(pk__in=[i for i in selected if i.isdigit()])
    result = verification.verify_batch(scope, actor=request.user)
    messages.success(
        request,
        _(
            "%(verified)s verified, %(manual)s need manual confirmation, "
            "%(waiting)s wait for the face check."
        )
        % {"verified": result.verified, "manual": result.needs_manual, "waiting": result.waiting},
    )
    return redirect("candidates:list")


@role_required(*STAFF)
def manual(request: HttpRequest) -> HttpResponse:
    """The records the automatic checks could not verify. Each is decided on its own page; the
    list may also verify the ticked records at once, with one reason recorded on each."""
    scope = _visible(request).filter(verification=Verification.NEEDS_MANUAL)
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        ids = [i for i in request.POST.getlist("ids") if i.isdigit()]
        if not ids:
            messages.error(request, _("Tick the records you checked."))
        elif not form.is_valid():
            messages.error(request, _("Give the reason for your decision."))
        else:
            confirmed = verification.confirm_many(
                scope.filter(pk__in=ids),
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            )
            messages.success(request, _("%(n)s records confirmed.") % {"n": confirmed})
        return redirect("candidates:manual")
    page = Paginator(scope.select_related("institution"), 30).get_page(request.GET.get("page"))
    return render(request, "candidates/manual.html", {"page": page, "form": form})


def _detail(
    request: HttpRequest,
    candidate: Candidate,
    *,
    form: CandidateForm | None = None,
    decision_form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    from audit.models import AuditEntry

    decisions = [
        (d, verification.DECISION_LABELS[d]) for d in verification.decisions_for(candidate)
    ]
    entries = AuditEntry.objects.filter(
        target_type=Candidate._meta.label_lower, target_id=str(candidate.pk)
    )[:50]
    history = [
        (e, _history_label(e.action), e.data.get("reason") or e.data.get("note") or "")
        for e in entries
    ]
    return render(
        request,
        "candidates/detail.html",
        {
            "candidate": candidate,
            "form": form or _candidate_form(request, candidate),
            "decision_form": decision_form or DecisionForm(decisions=decisions),
            "can_verify": "verify" in dict(decisions),
            "history": history,
        },
        status=status,
    )


def _history_label(action: str) -> str:
    if action == "candidate.corrected":
        return _("Record corrected")
    state = action.removeprefix("candidate.")
    if state in Verification.values:
        return _("Verification: %(state)s") % {"state": Verification(state).label}
    return action


def _candidate_form(request: HttpRequest, candidate: Candidate, data: Any = None) -> CandidateForm:
    return CandidateForm(
        data,
        instance=Candidate.objects.get(pk=candidate.pk) if data is not None else candidate,
        choose_institution=_user(request).has_role(Role.ORG_ADMIN),
    )


@role_required(*STAFF)
def candidate_detail(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = get_object_or_404(_visible(request).select_related("institution"), pk=candidate_id)
    return _detail(request, candidate)


@require_POST
@role_required(*STAFF)
def correct(request: HttpRequest, candidate_id: int) -> HttpResponse:
    """Save a correction; with the "save and verify" button, verify the record as well."""
    candidate = get_object_or_404(_visible(request), pk=candidate_id)
    form = _candidate_form(request, candidate, request.POST)
    if not form.is_valid():
        return _detail(request, candidate, form=form, status=400)
    and_verify = "and_verify" in request.POST
    try:
        if and_verify:
            verification.decide(
                candidate,
                "verify",
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
                corrections=form.changes(),
            )
            messages.success(request, _("The record is corrected and verified."))
        else:
            changed = records.correct(
                candidate,
                form.changes(),
                reason=form.cleaned_data["reason"],
                by=request.user,
                request=request,
            )
            messages.success(
                request,
                _("The record is corrected.") if changed else _("Nothing was changed."),
            )
    except Refused as refused:
        as_form_error(form, refused)
        candidate.refresh_from_db()
        return _detail(request, candidate, form=form, status=400)
    return redirect("candidates:detail", candidate_id=candidate.pk)


@require_POST
@role_required(*STAFF)
def decide(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = get_object_or_404(_visible(request), pk=candidate_id)
    decisions = [(d, verification.DECISION_LABELS[d]) for d in verification.DECISIONS]
    form = DecisionForm(request.POST, decisions=decisions)
    if not form.is_valid():
        return _detail(request, candidate, decision_form=form, status=400)
    try:
        verification.decide(
            candidate,
            form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
            request=request,
        )
    except Refused as refused:
        as_form_error(form, refused)
        return _detail(request, candidate, decision_form=form, status=400)
    messages.success(
        request,
        _("The record is now “%(state)s”.") % {"state": candidate.get_verification_display()},
    )
    return redirect("candidates:detail", candidate_id=candidate.pk)


@role_required(*STAFF)
def remove(request: HttpRequest, candidate_id: int) -> HttpResponse:
    """Show what removing the record would do; remove it on POST with a reason."""
    candidate = get_object_or_404(_visible(request), pk=candidate_id)
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                records.remove(
                    candidate,
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    request=request,
                )
            except Refused as refused:
                as_message(request, refused)
                return redirect("candidates:detail", candidate_id=candidate.pk)
            messages.success(
                request, _("The record of %(name)s is removed.") % {"name": candidate.name}
            )
            return redirect("candidates:list")
        status = 400
    return render(
        request,
        "candidates/remove.html",
        {"candidate": candidate, "effects": records.removal(candidate), "form": form},
        status=status,
    )


@role_required(*STAFF)
def export(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("candidates")
    sheet.append(
        [
            _("Full name"),
            _("ID number"),
            _("Mobile phone"),
            _("Institution"),
            _("Certificate"),
            _("Major"),
            _("Verification"),
        ]
    )
    labels = dict(Verification.choices)
    for c in _filtered(request).iterator(chunk_size=2000):
        sheet.append(
            safe_row(
                sheet,
                [
                    c.name,
                    c.id_number,
                    c.phone,
                    c.institution.name if c.institution else "",
                    c.certificate.code if c.certificate else "",
                    c.major.code if c.major else "",
                    str(labels[c.verification]),
                ],
            )
        )
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="candidates.xlsx"'
    return response
