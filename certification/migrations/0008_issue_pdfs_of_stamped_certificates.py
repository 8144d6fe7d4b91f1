"""Certificates stamped before PDFs were kept: record their signing steps and issue their signed
PDF once (certification.issuing.backfill), so every download and verification from now on uses
the stored file. Runs the current issuing code on purpose: the PDF must be the one the platform
issues today. Needs the certificate signing key (docs/operations.md) when there is anything to
issue; with nothing to issue it needs nothing."""

from django.db import migrations


def issue_stored_pdfs(apps, schema_editor):
    historical = apps.get_model("certification", "IssuedCertificate")
    pending = list(
        historical.objects.filter(status__in=["stamped", "revoked"], pdf_sha256="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Certificates between two steps get the signatures of the steps they took, so the next
    # step (which checks the previous signature) can follow.
    in_flight = list(
        historical.objects.filter(
            status__in=["org_signed", "site_signed"], signatures__isnull=True
        ).values_list("pk", flat=True)
    )
    if not pending and not in_flight:
        return
    from certification import certificates, issuing
    from certification.models import IssuedCertificate

    for certificate in IssuedCertificate.objects.filter(pk__in=in_flight).select_related(
        "enrolment__plan__certificate",
        "enrolment__plan__organisation",
        "enrolment__candidate",
        "enrolment__score",
    ):
        issuing.backfill_steps(certificate)

    for certificate in IssuedCertificate.objects.filter(pk__in=pending).select_related(
        "enrolment__plan__certificate",
        "enrolment__plan__organisation",
        "enrolment__candidate",
        "enrolment__score",
    ):
        issuing.backfill(certificate, certificates.verification_url(None, certificate))


class Migration(migrations.Migration):
    dependencies = [("certification", "0007_certificate_pdf_and_signatures"), ("audit", "0001_initial")]

    operations = [migrations.RunPython(issue_stored_pdfs, migrations.RunPython.noop)]
