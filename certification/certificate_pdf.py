"""The certificate's pages as PDF (R-CERT-12): what the signers approved, the ID number masked,
the signatures so far and the QR code of the public verification page. Unsigned here: the
stamp signs and stores it once (``certification.issuing``)."""

from __future__ import annotations

import base64
import io

from certification.models import CertificateSignature, IssuedCertificate


def qr_png(data: str) -> bytes:
    import qrcode

    image = qrcode.make(data, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def pdf(
    certificate: IssuedCertificate,
    url: str,
    *,
    content: dict[str, str],
    signatures: list[CertificateSignature],
) -> bytes:
    """The certificate's pages (unsigned): ``content`` is what the signers approved, with the ID
    number masked; ``signatures`` the steps signed so far."""
    from core.pdf import render_pdf

    enrolment = certificate.enrolment
    qr = base64.b64encode(qr_png(url)).decode()
    return render_pdf(
        "pdf/certificate.html",
        {
            "certificate": certificate,
            "content": content,
            "plan": enrolment.plan,
            "signatures": signatures,
            "qr": f"data:image/png;base64,{qr}",
            "url": url,
        },
    )
