"""Institutions, certificates, majors and quotas (R-CERT-1, R-CERT-13)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from audit.services import record
from centres.models import Site
from centres.statuses import SiteStatus
from certification.forms import (
    CertificateForm,
    CodeListForm,
    InstitutionForm,
    MajorForm,
    OrganisationForm,
    QuotaForm,
)
from certification.models import Quota
from reference.models import Certificate, Institution, Major, Organisation, institution_id_of


def _user(request: HttpRequest) -> Any:
    """The signed-in user (views here are behind ``role_required``)."""
    return request.user


@role_required(Role.ORG_ADMIN, Role.SITE_ADMIN)
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request, "certification/home.html", {"is_org": _user(request).has_role(Role.ORG_ADMIN)}
    )


@role_required(Role.ORG_ADMIN)
def institutions(request: HttpRequest) -> HttpResponse:
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            institution = form.save()
            # The institution's presence on the platform: its staff sign in to this draft
            # site, and it becomes an exam site when the organisation approves its application.
            site_code = institution.code
            if Site.objects.filter(code=site_code).exists():
                site_code = f"{institution.code}-{institution.pk}"
            Site.objects.create(
                code=site_code,
                name=institution.name,
                institution=institution,
                status=SiteStatus.DRAFT,
            )
            record("institution.created", target=institution, request=request)
        messages.success(request, _("Institution %(name)s added.") % {"name": institution.name})
        return redirect("certification:institutions")
    q = request.GET.get("q", "").strip()
    rows = Institution.objects.select_related("site")
    if q:
        rows = rows.filter(name__icontains=q) | rows.filter(code__iexact=q)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "certification/institutions.html",
        {"form": form, "page": page, "q": q},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.ORG_ADMIN)
def catalogue(request: HttpRequest) -> HttpResponse:
    """Evaluation organisations, certificates, majors (both code lists) and which list each
    organisation uses."""
    forms_by_name: dict[str, Any] = {
        "organisation": OrganisationForm(prefix="org"),
        "certificate": CertificateForm(prefix="cert"),
        "major": MajorForm(prefix="major"),
    }
    status = 200
    if request.method == "POST":
        which = request.POST.get("form", "")
        if which not in forms_by_name:
            messages.error(request, _("Choose what to add and fill in its form."))
            return redirect("certification:catalogue")
        form = type(forms_by_name[which])(request.POST, prefix=forms_by_name[which].prefix)
        if form.is_valid():
            with transaction.atomic():
                saved = form.save()
                record(f"{saved._meta.model_name}.created", target=saved, request=request)
            messages.success(request, _("Saved."))
            return redirect("certification:catalogue")
        status = 400
        forms_by_name[which] = form
    return render(
        request,
        "certification/catalogue.html",
        {
            "certificates": Certificate.objects.select_related("organisation").prefetch_related(
                "majors"
            ),
            "majors": Major.objects.all(),
            "organisations": [
                (o, CodeListForm(instance=o, prefix=f"org{o.pk}"))
                for o in Organisation.objects.all()
            ],
            "organisation_form": forms_by_name["organisation"],
            "certificate_form": forms_by_name["certificate"],
            "major_form": forms_by_name["major"],
        },
        status=status,
    )


@require_POST
@role_required(Role.ORG_ADMIN)
def code_list(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    form = CodeListForm(request.POST, instance=organisation, prefix=f"org{organisation.pk}")
    if form.is_valid():
        with transaction.atomic():
            form.save()
            record(
                "organisation.code_list",
                target=organisation,
                request=request,
                code_list=organisation.major_code_list,
            )
        messages.success(request, _("The major code list in use was changed."))
    else:
        messages.error(request, _("Choose a code list."))
    return redirect("certification:catalogue")


def _own_institution(request: HttpRequest) -> Institution | None:
    institution_id = institution_id_of(request.user)
    return Institution.objects.filter(pk=institution_id).first() if institution_id else None


@role_required(Role.ORG_ADMIN, Role.SITE_ADMIN)
def quotas(request: HttpRequest) -> HttpResponse:
    is_org = _user(request).has_role(Role.ORG_ADMIN)
    own = None if is_org else _own_institution(request)
    if not is_org and own is None:
        messages.error(request, _("Your exam site is not linked to a pilot institution."))
        return redirect("certification:home")
    form = QuotaForm(request.POST or None, institution=own)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            quota, _created = Quota.objects.update_or_create(
                institution=data["institution"],
                certificate=data["certificate"],
                major=data["major"],
                defaults={"declared": data["declared"]},
            )
            record("quota.declared", target=quota, request=request, declared=quota.declared)
        messages.success(request, _("Quota saved."))
        return redirect("certification:quotas")
    rows = (
        Quota.objects.visible_to(request.user)
        .with_enrolled()
        .select_related("institution", "certificate", "major")
    )
    mismatches = [q for q in rows if q.declared != q.enrolled]  # type: ignore[attr-defined]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "certification/quotas.html",
        {"form": form, "page": page, "mismatches": len(mismatches)},
        status=400 if request.method == "POST" else 200,
    )
