"""The data migration of certificates stamped before PDFs were kept (issue #16 item 4): each gets
its three signing steps recorded (signers from the audit log) and its signed PDF issued and
stored once; running it again changes nothing; the result verifies like a new certificate."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from audit.services import record
from certification import issuing, verification
from certification.models import IssuedCertificate, Score
from certification.statuses import CertificateStatus
from tests.certification_world import set_phase
from tests.test_tickets_and_certificates_render_chinese import seated, text_of  # noqa: F401

pytestmark = pytest.mark.django_db

BEFORE = ("certification", "0007_certificate_pdf_and_signatures")
AFTER = ("certification", "0008_issue_pdfs_of_stamped_certificates")


def migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def test_certificates_stamped_before_are_issued_once(seated, personas) -> None:  # noqa: F811
    plan, _session, seats = seated
    set_phase(plan, "ended")
    now = timezone.now()
    old = []
    for number, seat in enumerate(seats, start=1):
        Score.objects.create(enrolment=seat.enrolment, value=80 + number, passed=True)
        issued = IssuedCertificate.objects.create(
            enrolment=seat.enrolment,
            number=f"HGJL-M-2022-{seat.enrolment.pk:08d}",
            token=f"old-token-{number}",
            status=CertificateStatus.STAMPED if number == 1 else CertificateStatus.REVOKED,
            org_signed_at=now,
            site_signed_at=now,
            stamped_at=now,
        )
        # The audit rows the old signing steps wrote name who took each step.
        record("certificate.org_signed", actor=personas.oscar, target=issued)
        record("certificate.site_signed", actor=personas.sam, target=issued)
        record("certificate.stamped", actor=personas.oscar, target=issued)
        old.append(issued)
    migrate(BEFORE)
    migrate(AFTER)

    for issued in old:
        issued.refresh_from_db()
        stored = issuing.stored_pdf(issued)
        assert stored is not None and issued.pdf_sha256
        assert issuing.chain_holds(issued)
        steps = {s.step: s.signer for s in issued.signatures.all()}
        assert steps == {
            "org_sign": personas.oscar,
            "site_sign": personas.sam,
            "stamp": personas.oscar,
        }
        assert issued.enrolment.candidate.id_number not in text_of(stored)
    assert verification.check_stored(old[0]).result == "valid"
    assert verification.check_stored(old[1]).result == "revoked"
    page = Client().get(f"/cert/verify/{old[0].token}/").content.decode()
    assert 'data-stored="valid"' in page

    # Once: a second run keeps the same files and signatures.
    hashes = {i.pk: i.pdf_sha256 for i in old}
    migrate(BEFORE)
    migrate(AFTER)
    for issued in old:
        issued.refresh_from_db()
        assert issued.pdf_sha256 == hashes[issued.pk]
        assert issued.signatures.count() == 3
