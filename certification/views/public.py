"""Public pages: score and certificate query (成绩/证书查询) and the verification page a
certificate's QR code opens. Both are rate-limited and show the minimum personal data."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from certification import certificates, scores
from certification.forms import QueryForm
from certification.models import IssuedCertificate
from certification.statuses import CertificateStatus
from core import ratelimit
from core.http import client_ip

DOWNLOAD_SALT = "certification.download"
DOWNLOAD_MAX_AGE = 30 * 60


def _limited(request: HttpRequest, scope: str) -> bool:
    limit = settings.CERT_QUERY_RATE_PER_MINUTE
    return not ratelimit.hit(scope, client_ip(request), limit=limit)


def query(request: HttpRequest) -> HttpResponse:
    form = QueryForm(request.POST or None)
    results = None
    status = 200
    if request.method == "POST":
        if _limited(request, "cert-query"):
            form.add_error(
                None, _("Too many queries from this address. Wait a minute and try again.")
            )
            status = 429
        elif form.is_valid():
            results = scores.public_query(form.cleaned_data["id_number"], form.cleaned_data["name"])
            for result in results:
                if result.certificate_number:
                    result.download = signing.dumps(result.verify_token, salt=DOWNLOAD_SALT)  # type: ignore[attr-defined]
        else:
            status = 400
    return render(
        request, "certification/query.html", {"form": form, "results": results}, status=status
    )


def verify(request: HttpRequest, token: str) -> HttpResponse:
    if _limited(request, "cert-verify"):
        return render(request, "certification/verify.html", {"limited": True}, status=429)
    issued = get_object_or_404(
        IssuedCertificate.objects.select_related(
            "enrolment__candidate", "enrolment__plan__certificate", "enrolment__plan__organisation"
        ),
        token=token,
        status__in=[CertificateStatus.STAMPED, CertificateStatus.REVOKED],
    )
    name = issued.enrolment.candidate.name
    # Enough to match the paper in front of you, not enough to identify a stranger.
    masked = name[0] + "*" * (len(name) - 1) if name else ""
    return render(request, "certification/verify.html", {"issued": issued, "masked_name": masked})


def download(request: HttpRequest, signed: str) -> HttpResponse:
    """The stamped certificate PDF, through the signed link the query page gives the candidate
    after they proved ID number and name (valid 30 minutes)."""
    try:
        token = signing.loads(signed, salt=DOWNLOAD_SALT, max_age=DOWNLOAD_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    issued = get_object_or_404(
        IssuedCertificate.objects.select_related(
            "enrolment__candidate",
            "enrolment__plan__certificate",
            "enrolment__plan__organisation",
            "enrolment__score",
        ),
        token=token,
        status=CertificateStatus.STAMPED,
    )
    data = certificates.pdf(issued, certificates.verification_url(request, issued))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{issued.number}.pdf"'
    return response
