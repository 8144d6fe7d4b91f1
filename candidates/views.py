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
from candidates import imports, verification
from candidates import jobs as candidate_jobs
from candidates.forms import ImportForm, PhotosForm
from candidates.models import Candidate
from candidates.statuses import Verification
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


def _filtered(request: HttpRequest) -> Any:
    candidates = _visible(request).search(request.GET.get("q", ""))
    state = request.GET.get("state", "")
    if state in Verification.values:
        candidates = candidates.filter(verification=state)
    return candidates.select_related("institution", "certificate", "major")


@role_required(*STAFF)
def candidate_list(request: HttpRequest) -> HttpResponse:
    candidates = _filtered(request)
    page = Paginator(candidates, 50).get_page(request.GET.get("page"))
    counts = _counts(request)
    return render(
        request,
        "candidates/list.html",
        {
            "page": page,
            "q": request.GET.get("q", ""),
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
    scope = _visible(request).filter(verification=Verification.NEEDS_MANUAL)
    if request.method == "POST":
        ids = [i for i in request.POST.getlist("ids") if i.isdigit()]
        confirmed = 0
        for candidate in scope.filter(pk__in=ids):
            confirmed += verification.confirm(candidate, actor=request.user, request=request)
        messages.success(request, _("%(n)s records confirmed.") % {"n": confirmed})
        return redirect("candidates:manual")
    page = Paginator(scope.select_related("institution"), 30).get_page(request.GET.get("page"))
    return render(request, "candidates/manual.html", {"page": page})


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
