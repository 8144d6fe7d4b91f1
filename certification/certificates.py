"""Issuing electronic certificates (R-CERT-12): the organisation signs after the plan ended,
the site signs, the organisation stamps; then the candidate downloads a PDF with the unique
number and a QR code of the public verification page. Each step is recorded as a signature and
the stamp makes, signs and stores the PDF once (``certification.issuing``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from audit.services import record
from certification import issuing, windows
from certification.models import CertificateSignature, Enrolment, ExamPlan, IssuedCertificate
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
                issuing.sign_step(
                    issued,
                    CertificateSignature.Step.ORG_SIGN,
                    issuing.content_sha256(issued),
                    signer=actor,
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


@dataclass(frozen=True)
class Advanced:
    moved: int
    changed: int  # content changed since the previous step signed it: not moved


def advance(
    certificates: QuerySet[IssuedCertificate],
    new_status: str,
    *,
    actor: Any,
    request: HttpRequest | None = None,
) -> Advanced:
    """Move every certificate of ``certificates`` that may move to ``new_status``, recording
    the step's signature; the stamp also issues the signed PDF. Each certificate moves in its
    own transaction: a failure (say, the key is missing) leaves it, and only it, where it was."""
    status = CertificateStatus(new_status)
    stamp_field, previous, step, previous_step = {
        CertificateStatus.SITE_SIGNED: (
            "site_signed_at",
            CertificateStatus.ORG_SIGNED,
            CertificateSignature.Step.SITE_SIGN,
            CertificateSignature.Step.ORG_SIGN,
        ),
        CertificateStatus.STAMPED: (
            "stamped_at",
            CertificateStatus.SITE_SIGNED,
            CertificateSignature.Step.STAMP,
            CertificateSignature.Step.SITE_SIGN,
        ),
    }[status]
    moved = changed = 0
    related = (
        "enrolment__plan__certificate",
        "enrolment__plan__organisation",
        "enrolment__candidate",
        "enrolment__score",
    )
    for certificate in certificates.filter(status=previous).select_related(*related):
        windows.require_ended(certificate.enrolment.plan)
        if not issuing.unchanged_since(certificate, previous_step):
            changed += 1
            continue
        with transaction.atomic():
            fields: dict[str, Any] = {stamp_field: timezone.now()}
            if not transition_to(certificate, new_status, actor=actor, request=request, **fields):
                continue  # someone else moved it first
            if status == CertificateStatus.STAMPED:
                issuing.issue(certificate, verification_url(request, certificate), signer=actor)
            else:
                issuing.sign_step(
                    certificate, step, issuing.content_sha256(certificate), signer=actor
                )
            moved += 1
    return Advanced(moved=moved, changed=changed)


def verification_url(request: HttpRequest | None, certificate: IssuedCertificate) -> str:
    """The address the QR code carries. The PDF is made once and kept, so the public address
    (``CERT_PUBLIC_BASE_URL``) wins over whichever host the stamping request came through."""
    path = reverse("certification:verify", args=[certificate.token])
    if settings.CERT_PUBLIC_BASE_URL:
        return settings.CERT_PUBLIC_BASE_URL.rstrip("/") + path
    return request.build_absolute_uri(path) if request is not None else path
