"""The signatures of the three signing steps and the issued PDF of a certificate (R-CERT-12).

The organisation signs, then the site signs, both over the SHA-256 of the certificate's content
(number, holder, masked ID number, certificate, organisation, plan, score): what they approved.
The organisation's stamp renders the PDF once, signs it (PAdES) with the certificate signing
key, stores it with its SHA-256 and records the stamp over that hash. Each step is a
``CertificateSignature``: a statement (step, certificate, signer, time, hash, the previous step's
statement hash) signed with the key, so the order and the people are provable from the rows and
the key alone. A certificate whose content changed after a step is not moved on: the next step
would sign something the previous signers never saw.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification import signing
from certification.certificate_pdf import pdf
from certification.models import CertificateSignature, IssuedCertificate

Step = CertificateSignature.Step


def masked_id_number(value: str) -> str:
    """The ID number as the certificate and its pages show it: the first and last four
    characters only (enough to match a paper, not enough to use the number)."""
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}" if len(value) > 8 else "****"


def content(certificate: IssuedCertificate) -> dict[str, str]:
    """What the signers approve (and the PDF shows), as plain strings."""
    enrolment = certificate.enrolment
    plan = enrolment.plan
    score = getattr(enrolment, "score", None)
    return {
        "number": certificate.number,
        "token": certificate.token,
        "holder": enrolment.candidate.name,
        "id_number": masked_id_number(enrolment.candidate.id_number),
        "certificate": f"{plan.certificate.name} {plan.certificate.level}".strip(),
        "organisation": plan.organisation.name,
        "plan": plan.code,
        # One decimal, as stored: a score read back from the database and one just entered
        # (an int or a longer Decimal) must hash alike.
        "score": f"{Decimal(score.value):.1f}" if score is not None else "",
        "passed": "yes" if score is not None and score.passed else "no",
    }


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_sha256(certificate: IssuedCertificate) -> str:
    return hashlib.sha256(_canonical(content(certificate))).hexdigest()


def _previous(certificate: IssuedCertificate, step: str) -> CertificateSignature | None:
    order = [Step.ORG_SIGN, Step.SITE_SIGN, Step.STAMP]
    index = order.index(Step(step))
    if index == 0:
        return None
    return CertificateSignature.objects.filter(
        certificate=certificate, step=order[index - 1]
    ).first()


def sign_step(
    certificate: IssuedCertificate,
    step: str,
    sha256: str,
    *,
    signer: Any,
    backfilled_from: Any = None,
) -> CertificateSignature:
    """Record ``signer``'s signature of ``step`` over ``sha256``, chained to the step before.
    ``backfilled_from``: the time a certificate issued before signatures were recorded took the
    step; the statement says it was recorded later (now), from that record."""
    previous = _previous(certificate, step)
    now = timezone.now()
    said: dict[str, Any] = {
        "certificate": certificate.number,
        "step": str(step),
        "signer": signer.get_username() if signer is not None else "",
        "signed_at": (backfilled_from or now).isoformat(),
        "sha256": sha256,
        "previous": hashlib.sha256(previous.statement.encode()).hexdigest() if previous else "",
    }
    if backfilled_from is not None:
        said["recorded_at"] = now.isoformat()
    statement = _canonical(said)
    return CertificateSignature.objects.create(
        certificate=certificate,
        step=step,
        signer=signer if signer is not None and signer.is_authenticated else None,
        signed_at=backfilled_from or now,
        sha256=sha256,
        statement=statement.decode(),
        signature=base64.b64encode(signing.sign_statement(statement)).decode(),
        key_fingerprint=signing.fingerprint(),
    )


def statement_holds(signature: CertificateSignature) -> bool:
    """The row says what its signed statement says, and the key signed that statement."""
    try:
        said = json.loads(signature.statement)
        raw = base64.b64decode(signature.signature, validate=True)
    except (ValueError, TypeError):
        return False
    return (
        said.get("step") == signature.step
        and said.get("sha256") == signature.sha256
        and said.get("certificate") == signature.certificate.number
        and signing.verify_statement(signature.statement.encode(), raw, signature.key_fingerprint)
    )


def chain_holds(certificate: IssuedCertificate) -> bool:
    """Every step present in order, each statement signed and naming the one before."""
    rows = {s.step: s for s in certificate.signatures.all()}
    previous = ""
    for step in (Step.ORG_SIGN, Step.SITE_SIGN, Step.STAMP):
        row = rows.get(step)
        if row is None:
            return False
        if not statement_holds(row) or json.loads(row.statement).get("previous") != previous:
            return False
        previous = hashlib.sha256(row.statement.encode()).hexdigest()
    return True


def unchanged_since(certificate: IssuedCertificate, step: str) -> bool:
    """The certificate's content is still what ``step`` signed."""
    row = CertificateSignature.objects.filter(certificate=certificate, step=step).first()
    return row is not None and row.sha256 == content_sha256(certificate)


def render(certificate: IssuedCertificate, url: str) -> bytes:
    """The certificate's PDF, signed with the key (not stored: see ``issue``)."""
    signatures = list(certificate.signatures.select_related("signer"))
    data = pdf(certificate, url, content=content(certificate), signatures=signatures)
    return signing.sign_pdf(
        data, reason=_("Certificate %(number)s") % {"number": certificate.number}
    )


@transaction.atomic
def issue(
    certificate: IssuedCertificate, url: str, *, signer: Any, backfilled_from: Any = None
) -> None:
    """Render, sign and store the PDF once, and record the stamp over its SHA-256. The file
    name is random: the verification token is public (it is in the QR code). A file written
    by a transaction that then rolls back stays on disk unreferenced (harmless, and rare)."""
    data = render(certificate, url)
    digest = hashlib.sha256(data).hexdigest()
    certificate.pdf.save(f"{secrets.token_hex(16)}.pdf", ContentFile(data), save=False)
    certificate.pdf_sha256 = digest
    certificate.save(update_fields=["pdf", "pdf_sha256"])
    sign_step(certificate, Step.STAMP, digest, signer=signer, backfilled_from=backfilled_from)


def _audited_actor(certificate: IssuedCertificate, action: str) -> Any:
    from audit.models import AuditEntry

    entry = (
        AuditEntry.objects.filter(
            action=action,
            target_type="certification.issuedcertificate",
            target_id=str(certificate.pk),
        )
        .select_related("actor")
        .order_by("at")
        .first()
    )
    return entry.actor if entry is not None else None


def backfill_steps(certificate: IssuedCertificate) -> None:
    """Record the signatures of the steps a certificate took before steps were signed, from its
    timestamps and the audit log (who). Idempotent."""
    digest = content_sha256(certificate)
    taken = [(Step.ORG_SIGN, "certificate.org_signed", certificate.org_signed_at)]
    if certificate.site_signed_at is not None or certificate.stamped_at is not None:
        taken.append((Step.SITE_SIGN, "certificate.site_signed", certificate.site_signed_at))
    for step, action, at in taken:
        if not certificate.signatures.filter(step=step).exists():
            signer = _audited_actor(certificate, action)
            sign_step(
                certificate, step, digest, signer=signer, backfilled_from=at or timezone.now()
            )


def backfill(certificate: IssuedCertificate, url: str) -> None:
    """A certificate stamped before PDFs were kept and steps were signed: record its steps,
    then issue its PDF once. Idempotent."""
    if certificate.pdf_sha256:
        return
    with transaction.atomic():
        backfill_steps(certificate)
        issue(
            certificate,
            url,
            signer=_audited_actor(certificate, "certificate.stamped"),
            backfilled_from=certificate.stamped_at or timezone.now(),
        )


def stored_pdf(certificate: IssuedCertificate) -> bytes | None:
    if not certificate.pdf:
        return None
    try:
        with certificate.pdf.open("rb") as handle:
            return bytes(handle.read())
    except OSError:
        return None
