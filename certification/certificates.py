"""Issuing electronic certificates (R-CERT-12): the organisation signs after the plan ended,
the site signs, the organisation stamps; then the candidate downloads a PDF with the unique
number and a QR code of the public verification page."""

from __future__ import annotations

import base64
import io
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from audit.services import record
from certification import windows
from certification.models import Enrolment, ExamPlan, IssuedCertificate
from certification.services import transition_to
from certification.statuses import CertificateStatus


def number_for(enrolment: Enrolment) -> str:
    """Unique and readable: certificate code, year, then the registration's primary key."""
    plan = enrolment.plan
    year = timezone.localtime(plan.exam_opens).year
    return f"{plan.certificate.code}-{year}-{enrolment.pk:08d}"


def org_sign(plan: ExamPlan, *, actor: Any, request: HttpRequest | None = None) -> int:
    """Create the signed certificates of every passed candidate of ``plan`` that has none."""
    windows.require_ended(plan)
    passed = Enrolment.objects.filter(
        plan=plan, score__passed=True, issued_certificate__isnull=True
    ).select_related("plan__certificate")
    now = timezone.now()
    created = 0
    try:
        with transaction.atomic():
            for enrolment in passed:
                issued = IssuedCertificate.objects.create(
                    enrolment=enrolment,
                    number=number_for(enrolment),
                    token=secrets.token_urlsafe(24),
                    status=CertificateStatus.ORG_SIGNED,
                    org_signed_at=now,
                )
                record(
                    "certificate.org_signed",
                    actor=actor,
                    request=request,
                    target=issued,
                    old_status="",
                )
                created += 1
    except IntegrityError:
        return 0  # a concurrent signing made them; nothing to add
    return created


def advance(
    certificates: QuerySet[IssuedCertificate],
    new_status: str,
    *,
    actor: Any,
    request: HttpRequest | None = None,
) -> int:
    """Move every certificate of ``certificates`` that may move to ``new_status``."""
    stamp_field: str = {
        CertificateStatus.SITE_SIGNED: "site_signed_at",
        CertificateStatus.STAMPED: "stamped_at",
    }[CertificateStatus(new_status)]
    previous = {
        CertificateStatus.SITE_SIGNED: CertificateStatus.ORG_SIGNED,
        CertificateStatus.STAMPED: CertificateStatus.SITE_SIGNED,
    }[CertificateStatus(new_status)]
    now = timezone.now()
    moved = 0
    for certificate in certificates.filter(status=previous).select_related("enrolment__plan"):
        windows.require_ended(certificate.enrolment.plan)
        fields: dict[str, Any] = {stamp_field: now}
        moved += transition_to(certificate, new_status, actor=actor, request=request, **fields)
    return moved


def verification_url(request: HttpRequest | None, certificate: IssuedCertificate) -> str:
    path = reverse("certification:verify", args=[certificate.token])
    return request.build_absolute_uri(path) if request is not None else path


def qr_png(data: str) -> bytes:
    import qrcode

    image = qrcode.make(data, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def pdf(certificate: IssuedCertificate, url: str) -> bytes:
    from core.pdf import render_pdf

    enrolment = certificate.enrolment
    qr = base64.b64encode(qr_png(url)).decode()
    return render_pdf(
        "pdf/certificate.html",
        {
            "certificate": certificate,
            "candidate": enrolment.candidate,
            "plan": enrolment.plan,
            "score": getattr(enrolment, "score", None),
            "qr": f"data:image/png;base64,{qr}",
            "url": url,
        },
    )
