"""Public pages: score and certificate query (成绩/证书查询) and the verification page a
certificate's QR code opens. Both are rate-limited and show the minimum personal data.

The query is a POST (the ID number never sits in a URL, so never in an access log or a
browser's history). Its answer offers each stamped certificate's PDF, which carries the
holder's name and ID number, through a download ticket: a signed value with a random nonce,
posted back (so it is in no URL either), valid ``CERT_DOWNLOAD_MINUTES`` and used once (the
nonce is recorded in the cache for as long as the ticket could be valid). Whoever finds the
page later in a browser's history or on a shared computer gets no certificate from it. The
download is the file issued and stored at the stamp (certification.issuing), never a new one.
The verification page of the QR code stays a plain public link: it shows no personal data, says
whether the stored file still holds, and checks a PDF anyone uploads (certification.verification).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from certification import issuing, scores, verification
from certification.forms import QueryForm, VerifyUploadForm
from certification.models import IssuedCertificate
from certification.statuses import CertificateStatus
from core import ratelimit
from core.http import client_ip

DOWNLOAD_SALT = "certification.download"
logger = logging.getLogger(__name__)


def _download_seconds() -> int:
    return settings.CERT_DOWNLOAD_MINUTES * 60


def download_ticket(verify_token: str) -> str:
    """A signed, single-use ticket for the PDF of the certificate ``verify_token`` names."""
    return signing.dumps(
        {"certificate": verify_token, "nonce": secrets.token_urlsafe(16)}, salt=DOWNLOAD_SALT
    )


def _redeem(ticket: str) -> str | None:
    """The certificate token of a valid ticket not used before (it is used now); else None."""
    try:
        payload = signing.loads(ticket, salt=DOWNLOAD_SALT, max_age=_download_seconds())
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    token, nonce = payload.get("certificate"), payload.get("nonce")
    if not isinstance(token, str) or not isinstance(nonce, str):
        return None
    # cache.add writes only when the key is absent, atomically in Redis: one use wins.
    try:
        first_use = cache.add(f"cert-download:{nonce}", 1, timeout=_download_seconds() + 60)
    except Exception as exc:  # Redis away: "try again", never a use that cannot be counted
        raise ratelimit.Unavailable() from exc
    return token if first_use else None


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
                    result.download = download_ticket(result.verify_token)  # type: ignore[attr-defined]
        else:
            status = 400
    response = render(
        request,
        "certification/query.html",
        {"form": form, "results": results, "download_minutes": settings.CERT_DOWNLOAD_MINUTES},
        status=status,
    )
    # The answer carries personal data and live tickets: no cache keeps it.
    response["Cache-Control"] = "no-store"
    return response


def _masked_name(name: str) -> str:
    # Enough to match the paper in front of you, not enough to identify a stranger.
    return name[0] + "*" * (len(name) - 1) if name else ""


def _checked_upload(
    request: HttpRequest,
    expected: IssuedCertificate | None,
    stored: verification.Verdict | None = None,
) -> tuple[Any, Any]:
    """The form and the verdict on the PDF posted to the page (None before a post or for a bad
    file, which the form explains)."""
    if request.method != "POST":
        return VerifyUploadForm(), None
    form = VerifyUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, None
    return form, verification.check_upload(form.cleaned_data["pdf"], expected, stored)


def verify(request: HttpRequest, token: str) -> HttpResponse:
    if _limited(request, "cert-verify"):
        return render(request, "certification/verify.html", {"limited": True}, status=429)
    issued = get_object_or_404(
        IssuedCertificate.objects.select_related(
            "enrolment__candidate", "enrolment__plan__certificate", "enrolment__plan__organisation"
        ).prefetch_related("signatures"),
        token=token,
        status__in=verification.PUBLIC,
    )
    stored = verification.check_stored(issued)
    form, upload = _checked_upload(request, issued, stored)
    context = {
        "issued": issued,
        "masked_name": _masked_name(issued.enrolment.candidate.name),
        "stored": stored,
        # The steps and their dates; the staff who signed are not named on a public page.
        "signatures": list(issued.signatures.all()),
        "form": form,
        "upload": upload,
    }
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "certification/verify.html", context, status=status)


def verify_file(request: HttpRequest) -> HttpResponse:
    """Check a certificate PDF without its QR code: valid, altered, revoked or unknown."""
    if request.method == "POST" and _limited(request, "cert-verify"):
        return render(request, "certification/verify_file.html", {"limited": True}, status=429)
    form, upload = _checked_upload(request, None)
    context: dict[str, Any] = {"form": form, "upload": upload}
    if upload is not None and upload.certificate is not None:
        context["masked_name"] = _masked_name(upload.certificate.enrolment.candidate.name)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "certification/verify_file.html", context, status=status)


@never_cache
@require_POST
def download(request: HttpRequest) -> HttpResponse:
    """The stamped certificate PDF as issued and stored, for a ticket the query page gave the
    candidate after they proved ID number and name (valid ``CERT_DOWNLOAD_MINUTES``, used
    once). A stored file that no longer matches its hash or its signature is never handed out."""
    token = _redeem(request.POST.get("ticket", ""))
    if token is None:
        return render(request, "certification/download_expired.html", status=410)
    issued = get_object_or_404(
        IssuedCertificate.objects.prefetch_related("signatures"),
        token=token,
        status=CertificateStatus.STAMPED,
    )
    data = issuing.stored_pdf(issued)
    if data is None or verification.check_stored(issued, data).result != verification.VALID:
        logger.error("certificate %s: stored PDF missing or altered", issued.number)
        return render(request, "certification/download_unavailable.html", status=503)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{issued.number}.pdf"'
    return response
