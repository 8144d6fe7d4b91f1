"""Checking a certificate PDF (R-CERT-12): an uploaded file, or the stored one.

A file is *valid* when its SHA-256 is the one stored at issue, its embedded signature is intact,
covers the whole file and chains to our signing key's trust roots, and the certificate's signed
steps hold (each statement signed, in order, the stamp over this very hash). The signature check
is what a copied or edited database cannot fake: whoever rewrites a stored hash still has no key.
*Altered*: the file names one of our certificates (or was checked against one) but is not the
file we issued. *Unknown*: nothing we issued. *Revoked*: the file we issued, since revoked.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from certification import issuing, signing
from certification.models import IssuedCertificate
from certification.statuses import CertificateStatus

VALID, REVOKED, ALTERED, UNKNOWN = "valid", "revoked", "altered", "unknown"
PUBLIC = [CertificateStatus.STAMPED, CertificateStatus.REVOKED]


@dataclass(frozen=True)
class Verdict:
    result: str
    certificate: IssuedCertificate | None = None
    # SHA-256 of the file checked ("" when there was none): the same bytes need no second check.
    sha256: str = ""


def _stamped_sha256(certificate: IssuedCertificate) -> str:
    # From the rows the chain check read (prefetched by the pages), not another query.
    stamp = [s for s in certificate.signatures.all() if s.step == issuing.Step.STAMP]
    return stamp[0].sha256 if stamp else ""


def _issued_file_holds(certificate: IssuedCertificate, data: bytes, digest: str) -> bool:
    return (
        bool(certificate.pdf_sha256)
        and digest == certificate.pdf_sha256
        and signing.check_pdf(data).ours
        and issuing.chain_holds(certificate)
        and _stamped_sha256(certificate) == certificate.pdf_sha256
    )


def _outcome(certificate: IssuedCertificate, data: bytes, digest: str) -> Verdict:
    """The verdict on ``data`` (whose SHA-256 is ``digest``, computed once by the caller)."""
    if not _issued_file_holds(certificate, data, digest):
        return Verdict(ALTERED, certificate, digest)
    if certificate.status == CertificateStatus.REVOKED:
        return Verdict(REVOKED, certificate, digest)
    return Verdict(VALID, certificate, digest)


def _named_in(data: bytes) -> IssuedCertificate | None:
    """The certificate of ours whose number the file's text carries, if any."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages[:3])
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError):
        return None
    numbers = set(re.findall(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*-\d{4}-\d{8}", text))
    if not numbers:
        return None
    return IssuedCertificate.objects.filter(number__in=numbers, status__in=PUBLIC).first()


def check_upload(
    data: bytes, expected: IssuedCertificate | None = None, stored: Verdict | None = None
) -> Verdict:
    """The verdict on ``data``: against ``expected`` (the page of one certificate), or against
    every certificate we issued. ``stored``: the verdict on ``expected``'s stored file, already
    made by the page; an upload of the very same bytes (the usual case) takes it as it is,
    rather than validating the same signature and chain a second time."""
    digest = hashlib.sha256(data).hexdigest()
    if expected is not None:
        if expected.pdf_sha256 != digest:
            return Verdict(ALTERED, expected, digest)
        if stored is not None and stored.certificate == expected and stored.sha256 == digest:
            return stored
        return _outcome(expected, data, digest)
    found = IssuedCertificate.objects.filter(pdf_sha256=digest, status__in=PUBLIC).first()
    if found is not None:
        return _outcome(found, data, digest)
    named = _named_in(data)
    return Verdict(ALTERED, named, digest) if named is not None else Verdict(UNKNOWN, None, digest)


def check_stored(certificate: IssuedCertificate, data: bytes | None = None) -> Verdict:
    """The stored file of ``certificate`` (``data``, read here when not given) against its hash,
    its signature and its steps."""
    if data is None:
        data = issuing.stored_pdf(certificate)
    if data is None:
        return Verdict(UNKNOWN, certificate)
    return _outcome(certificate, data, hashlib.sha256(data).hexdigest())
