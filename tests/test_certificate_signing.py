"""R-CERT-12 (issue #16 item 4): the stamp issues the certificate PDF once, signed (PAdES) with
a key held in files outside the database, stored with its SHA-256, the ID number masked; the
downloads serve that file; the three signing steps are signed statements (who, when, over which
hash) in order; the public verification page says valid / altered / revoked / unknown for the
stored file and for an uploaded one. An altered file, and a file signed by another key, fail."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit.models import AuditEntry
from certification import issuing, signing, verification
from certification.models import CertificateSignature, IssuedCertificate
from certification.statuses import CertificateStatus
from tests.certification_world import set_phase
from tests.test_certificate_download_once import stamped as stamped_by_the_pages
from tests.test_certificate_download_once import ticket_from_query
from tests.test_tickets_and_certificates_render_chinese import (  # noqa: F401
    seated,
    staff,
    text_of,
)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def stamped(seated) -> tuple[IssuedCertificate, Any]:  # noqa: F811
    """A certificate of ``seated``'s first candidate, signed, signed and stamped by the pages."""
    return stamped_by_the_pages(seated)


def download(enrolment) -> bytes:
    public = Client()
    response = public.post("/cert/download/", {"ticket": ticket_from_query(public, enrolment)})
    assert response.status_code == 200, response.content[:300]
    return bytes(response.content)


def upload(url: str, data: bytes, name: str = "certificate.pdf") -> tuple[int, str]:
    response = Client().post(url, {"pdf": SimpleUploadedFile(name, data, "application/pdf")})
    return response.status_code, response.content.decode()


def verdict(body: str) -> str:
    marker = 'data-verdict="'
    assert marker in body, body[-2000:]
    return body.split(marker, 1)[1].split('"', 1)[0]


def flip_one_byte(data: bytes) -> bytes:
    """Change one byte inside the page's content (a digit of the first page's MediaBox)."""
    altered = bytearray(data)
    at = data.index(b"/MediaBox")
    digit = next(i for i in range(at, at + 40) if chr(altered[i]).isdigit() and altered[i] != 0x39)
    altered[digit] += 1
    return bytes(altered)


def test_the_stamp_issues_one_signed_pdf_that_every_download_serves(seated) -> None:  # noqa: F811
    issued, enrolment = stamped(seated)
    issued.refresh_from_db()
    stored = issuing.stored_pdf(issued)
    assert stored is not None and hashlib.sha256(stored).hexdigest() == issued.pdf_sha256
    check = signing.check_pdf(stored)
    assert check.ours and check.whole_file

    first, second = download(enrolment), download(enrolment)
    assert first == second == stored  # the issued file, never a new rendering

    text = text_of(first)
    id_number = enrolment.candidate.id_number
    assert id_number not in text
    assert issuing.masked_id_number(id_number) in text and "欧阳娜娜" in text
    rows = list(issued.signatures.select_related("signer").order_by("signed_at", "pk"))
    for row in rows[:2]:  # the two signers before the stamp, by name
        assert row.signer is not None and row.signer.get_full_name() in text
    assert [(r.step, r.signer.username if r.signer else "") for r in rows] == [
        ("org_sign", "oscar"),
        ("site_sign", "sam"),
        ("stamp", "oscar"),
    ]
    content = issuing.content_sha256(issued)
    assert rows[0].sha256 == rows[1].sha256 == content
    assert rows[2].sha256 == issued.pdf_sha256
    assert all(issuing.statement_holds(r) for r in rows) and issuing.chain_holds(issued)
    said = json.loads(rows[1].statement)
    assert said["previous"] == hashlib.sha256(rows[0].statement.encode()).hexdigest()
    assert rows[0].key_fingerprint == signing.fingerprint()

    # The plan's page shows who signed each step, when, over which hash.
    page = staff("oscar").get(f"/cert/plans/{issued.enrolment.plan_id}/").content.decode()
    for step in ("org_sign", "site_sign", "stamp"):
        assert f'data-step="{step}"' in page
    assert issued.pdf_sha256[:12] in page


def test_a_forged_statement_or_a_reordered_chain_does_not_hold(seated) -> None:  # noqa: F811
    issued, _enrolment = stamped(seated)
    site = issued.signatures.get(step="site_sign")
    said = json.loads(site.statement)
    said["signer"] = "mallory"
    CertificateSignature.objects.filter(pk=site.pk).update(
        statement=json.dumps(said, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    )
    assert not issuing.statement_holds(CertificateSignature.objects.get(pk=site.pk))
    assert not issuing.chain_holds(issued)
    page = Client().get(f"/cert/verify/{issued.token}/").content.decode()
    assert 'data-stored="altered"' in page


def test_the_verification_page_checks_the_stored_file_and_an_uploaded_one(seated) -> None:  # noqa: F811
    issued, enrolment = stamped(seated)
    issued.refresh_from_db()
    page = Client().get(f"/cert/verify/{issued.token}/").content.decode()
    assert 'data-stored="valid"' in page and issued.pdf_sha256 in page
    for step in ("org_sign", "site_sign", "stamp"):
        assert f'data-signed="{step}"' in page
    assert "oscar" not in page and "sam" not in page  # no staff named on a public page
    assert enrolment.candidate.id_number not in page

    original = download(enrolment)
    status, body = upload(f"/cert/verify/{issued.token}/", original)
    assert status == 200 and verdict(body) == "valid"
    status, body = upload("/cert/verify/", original)
    assert status == 200 and verdict(body) == "valid" and issued.number in body

    altered = flip_one_byte(original)
    assert altered != original
    status, body = upload(f"/cert/verify/{issued.token}/", altered)
    assert verdict(body) == "altered"
    status, body = upload("/cert/verify/", altered)
    assert verdict(body) == "altered" and issued.number in body  # it names our certificate

    # A PDF we never issued (an admission ticket) is unknown; a file that is no PDF is refused.
    plan, _session, seats = seated
    ticket = staff("sam").get(f"/cert/plans/{plan.pk}/seats/{seats[1].pk}/ticket.pdf").content
    assert verdict(upload("/cert/verify/", ticket)[1]) == "unknown"
    status, body = upload("/cert/verify/", b"not a pdf at all", "x.pdf")
    assert status == 400 and "data-verdict" not in body
    from django.test import override_settings

    with override_settings(CERT_VERIFY_MAX_BYTES=1024):
        status, body = upload(f"/cert/verify/{issued.token}/", original)
    assert status == 400 and "data-verdict" not in body and "MB" in body

    # Revoked: the file is ours, and says so, but it no longer counts.
    oscar = staff("oscar")
    oscar.post(f"/cert/plans/{plan.pk}/certificates/{issued.pk}/revoke/", {"reason": "作弊"})
    assert verdict(upload("/cert/verify/", original)[1]) == "revoked"


def _signed_by_another_key(issued: IssuedCertificate, directory: Path, settings) -> bytes:
    """The same certificate rendered and signed with a key of someone else's CA."""
    other = signing.write_material(directory, "Somebody else")
    ours = (settings.CERT_SIGNING_KEY_FILE, settings.CERT_SIGNING_CERT_FILE)
    our_cas = list(settings.CERT_SIGNING_CA_FILES)
    settings.CERT_SIGNING_KEY_FILE, settings.CERT_SIGNING_CERT_FILE = (
        str(other.key_file),
        str(other.cert_file),
    )
    settings.CERT_SIGNING_CA_FILES = [str(p) for p in other.ca_files]
    try:
        forged = issuing.render(issued, f"http://testserver/cert/verify/{issued.token}/")
        assert signing.check_pdf(forged).ours  # a good signature, by its own key
    finally:
        settings.CERT_SIGNING_KEY_FILE, settings.CERT_SIGNING_CERT_FILE = ours
        settings.CERT_SIGNING_CA_FILES = our_cas
    return forged


def test_a_pdf_signed_by_another_key_fails(seated, tmp_path, settings) -> None:  # noqa: F811
    issued, enrolment = stamped(seated)
    issued.refresh_from_db()
    forged = _signed_by_another_key(issued, tmp_path / "other", settings)
    check = signing.check_pdf(forged)
    assert check.signed and check.intact and not check.trusted and not check.ours
    assert verdict(upload(f"/cert/verify/{issued.token}/", forged)[1]) == "altered"
    assert verdict(upload("/cert/verify/", forged)[1]) == "altered"

    # Someone with the database and the storage but not the key swaps the file and its hash:
    # the hash matches, the signature does not, and nothing is handed out.
    name = issued.pdf.name
    with issued.pdf.storage.open(name, "wb") as handle:
        handle.write(forged)
    IssuedCertificate.objects.filter(pk=issued.pk).update(
        pdf_sha256=hashlib.sha256(forged).hexdigest()
    )
    issued.refresh_from_db()
    assert verification.check_stored(issued).result == "altered"
    assert 'data-stored="altered"' in Client().get(f"/cert/verify/{issued.token}/").content.decode()
    assert verdict(upload("/cert/verify/", forged)[1]) == "altered"
    public = Client()
    refused = public.post("/cert/download/", {"ticket": ticket_from_query(public, enrolment)})
    assert refused.status_code == 503 and refused["Content-Type"].startswith("text/html")


def test_a_certificate_whose_data_changed_after_a_signature_is_not_signed_further(seated) -> None:  # noqa: F811
    from certification.models import Score

    plan, _session, seats = seated
    enrolment = seats[0].enrolment
    Score.objects.create(enrolment=enrolment, value=91, passed=True)
    set_phase(plan, "ended")
    assert staff("oscar").post(f"/cert/plans/{plan.pk}/certificates/org-sign/").status_code == 302
    enrolment.candidate.name = "欧阳娜"
    enrolment.candidate.save(update_fields=["name"])
    response = staff("sam").post(f"/cert/plans/{plan.pk}/certificates/site-sign/", follow=True)
    assert "data changed" in response.content.decode() or "数据" in response.content.decode()
    issued = IssuedCertificate.objects.get(enrolment=enrolment)
    assert issued.status == CertificateStatus.ORG_SIGNED
    assert list(issued.signatures.values_list("step", flat=True)) == ["org_sign"]


def test_production_refuses_to_sign_without_key_files(seated, settings) -> None:  # noqa: F811
    settings.CERT_SIGNING_KEY_FILE = settings.CERT_SIGNING_CERT_FILE = ""
    settings.CERT_SIGNING_REQUIRED = True
    with pytest.raises(ImproperlyConfigured, match="CERT_SIGNING_KEY_FILE"):
        signing.material()
    from django.core.checks import run_checks

    errors = [e for e in run_checks(include_deployment_checks=True) if e.id == "certification.E001"]
    assert errors and "CERT_SIGNING_KEY_FILE" in errors[0].msg
    # Nothing is stamped half-way: the step fails in its transaction and the status stays.
    plan, _session, seats = seated
    from certification.models import Score

    Score.objects.create(enrolment=seats[0].enrolment, value=91, passed=True)
    set_phase(plan, "ended")
    with pytest.raises(ImproperlyConfigured):
        staff("oscar").post(f"/cert/plans/{plan.pk}/certificates/org-sign/")
    assert not IssuedCertificate.objects.exists()


def test_a_key_that_is_not_the_certificates_is_a_check_error(tmp_path, settings) -> None:
    from django.core.checks import run_checks

    one, other = (signing.write_material(tmp_path / n, n) for n in ("one", "other"))
    settings.CERT_SIGNING_KEY_FILE = str(other.key_file)
    settings.CERT_SIGNING_CERT_FILE = str(one.cert_file)
    errors = [e for e in run_checks() if e.id == "certification.E001"]
    assert errors and "not the key" in errors[0].msg


def _under_production(code: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """``code`` run with ``config.settings.prod`` in a process of its own (the suite's
    settings stay the test settings)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "exam.example.org",
        "DATABASE_URL": "postgres://h/d",
        "REDIS_URL": "redis://h",
        "NOTIFICATION_FILE_GATEWAY_FOR_DRILLS": "true",
        # Every other key production requires is given, so only the certificate's can stop it.
        "EVIDENCE_SIGNING_KEY": "dGVzdC1vbmx5LWV2aWRlbmNlLXNpZ25pbmcta2V5ISE=",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_production_settings_stop_on_a_named_key_file_that_is_missing(tmp_path) -> None:
    result = _under_production(
        "",
        CERT_SIGNING_KEY_FILE=str(tmp_path / "missing.key"),
        CERT_SIGNING_CERT_FILE=str(tmp_path / "missing.crt"),
    )
    assert result.returncode != 0 and "CERT_SIGNING_KEY_FILE" in result.stderr


def test_production_settings_refuse_to_sign_with_no_key_files_named() -> None:
    # The production settings themselves (not a test override) require the files: no
    # generated development key is ever made or used.
    result = _under_production(
        "from certification import signing; signing.material(); print('signed with a made key')"
    )
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr and "CERT_SIGNING_KEY_FILE" in result.stderr


def test_an_unsigned_or_broken_file_is_not_ours() -> None:
    assert not signing.check_pdf(b"%PDF-1.7\n garbage").ours
    assert not signing.check_pdf(b"").signed
    assert AuditEntry.objects.count() == 0  # a check writes nothing


def _rotate_to(directory: Path, settings, *, earlier: list[str]) -> signing.KeyMaterial:
    """A new signing key from a new CA, as an operator's rotation would configure it."""
    new = signing.write_material(directory, "Open Proctor tests, rotated")
    settings.CERT_SIGNING_KEY_FILE, settings.CERT_SIGNING_CERT_FILE = (
        str(new.key_file),
        str(new.cert_file),
    )
    settings.CERT_SIGNING_CA_FILES = [str(p) for p in new.ca_files]
    settings.CERT_SIGNING_EARLIER_CERT_FILES = earlier
    return new


def test_a_rotated_key_keeps_the_certificates_it_signed_valid(seated, tmp_path, settings) -> None:  # noqa: F811
    issued, enrolment = stamped(seated)
    issued.refresh_from_db()
    original = download(enrolment)
    old_cert = settings.CERT_SIGNING_CERT_FILE
    old_fingerprint = signing.fingerprint()
    assert {s.key_fingerprint for s in issued.signatures.all()} == {old_fingerprint}

    # Rotated, with the earlier certificate listed: the old certificate, its steps and its
    # file still hold, and new statements are signed (and recorded) with the new key.
    _rotate_to(tmp_path / "new", settings, earlier=[old_cert])
    assert signing.fingerprint() != old_fingerprint
    signing.check_configuration()
    assert issuing.chain_holds(issued)
    assert verification.check_stored(issued).result == "valid"
    page = Client().get(f"/cert/verify/{issued.token}/").content.decode()
    assert 'data-stored="valid"' in page
    assert verdict(upload(f"/cert/verify/{issued.token}/", original)[1]) == "valid"
    assert verdict(upload("/cert/verify/", original)[1]) == "valid"
    statement = b'{"certificate":"x"}'
    signed = signing.sign_statement(statement)
    assert signing.verify_statement(statement, signed, signing.fingerprint())
    assert not signing.verify_statement(statement, signed, old_fingerprint)  # not the old key's

    # A step whose fingerprint names no configured certificate is refused, even though the
    # signature was made by a key we hold.
    stamp = issued.signatures.get(step="stamp")
    CertificateSignature.objects.filter(pk=stamp.pk).update(key_fingerprint="0" * 64)
    issued = IssuedCertificate.objects.prefetch_related("signatures").get(pk=issued.pk)
    assert not issuing.statement_holds(issued.signatures.get(step="stamp"))
    assert verification.check_stored(issued).result == "altered"
    CertificateSignature.objects.filter(pk=stamp.pk).update(key_fingerprint=old_fingerprint)

    # Rotated without listing the earlier certificate: its certificates no longer verify.
    _rotate_to(tmp_path / "newer", settings, earlier=[])
    issued = IssuedCertificate.objects.prefetch_related("signatures").get(pk=issued.pk)
    assert not issuing.chain_holds(issued)
    assert verification.check_stored(issued).result == "altered"
    assert verdict(upload("/cert/verify/", original)[1]) == "altered"


def test_an_earlier_certificate_file_that_is_no_certificate_is_a_check_error(
    tmp_path, settings
) -> None:
    junk = tmp_path / "earlier.crt"
    junk.write_text("not a certificate")
    settings.CERT_SIGNING_EARLIER_CERT_FILES = [str(junk)]
    with pytest.raises(ImproperlyConfigured, match="CERT_SIGNING_EARLIER_CERT_FILES"):
        signing.check_configuration()
    settings.CERT_SIGNING_EARLIER_CERT_FILES = [str(tmp_path / "missing.crt")]
    with pytest.raises(ImproperlyConfigured, match="not found"):
        signing.check_configuration()


def headline(token: str) -> tuple[str, str]:
    """The verification page's headline: what it says it checked, and the words it shows."""
    body = Client().get(f"/cert/verify/{token}/").content.decode()
    found = re.search(r'data-headline="([a-z]+)">([^<]*)</p>', body)
    assert found is not None, body[-2000:]
    return found.group(1), found.group(2)


def test_the_verification_headline_follows_the_check_of_the_stored_file(seated) -> None:  # noqa: F811
    issued, _enrolment = stamped(seated)
    issued.refresh_from_db()
    assert headline(issued.token) == ("valid", "有效")

    # The stored file altered behind our back: the status still says stamped, the page not valid.
    stored = issuing.stored_pdf(issued)
    assert stored is not None
    with issued.pdf.storage.open(issued.pdf.name, "wb") as handle:
        handle.write(flip_one_byte(stored))
    assert IssuedCertificate.objects.get(pk=issued.pk).status == CertificateStatus.STAMPED
    assert headline(issued.token) == ("altered", "已被篡改")

    # The stored file gone: nothing checked, nothing called valid.
    issued.pdf.storage.delete(issued.pdf.name)
    assert headline(issued.token) == ("unknown", "未知")

    # The issued file back, the certificate revoked.
    with issued.pdf.storage.open(issued.pdf.name, "wb") as handle:
        handle.write(stored)
    assert headline(issued.token) == ("valid", "有效")
    IssuedCertificate.objects.filter(pk=issued.pk).update(status=CertificateStatus.REVOKED)
    assert headline(issued.token) == ("revoked", "已撤销")


def test_an_uploaded_file_is_hashed_and_its_signature_validated_once(seated, monkeypatch) -> None:  # noqa: F811
    """The real hash and signature check run; the test only counts how often, per file."""
    import types

    issued, enrolment = stamped(seated)
    issued.refresh_from_db()
    original = download(enrolment)
    hashed: list[int] = []
    validated: list[int] = []

    def counting_sha256(data: bytes = b"") -> Any:
        hashed.append(len(data))
        return hashlib.sha256(data)

    real_check_pdf = signing.check_pdf

    def counting_check_pdf(data: bytes) -> signing.SignatureCheck:
        validated.append(len(data))
        return real_check_pdf(data)

    monkeypatch.setattr(verification, "hashlib", types.SimpleNamespace(sha256=counting_sha256))
    monkeypatch.setattr(signing, "check_pdf", counting_check_pdf)

    # Without a certificate's page: the upload hashed once, its signature validated once.
    assert verdict(upload("/cert/verify/", original)[1]) == "valid"
    assert hashed == [len(original)] and validated == [len(original)]

    # On the certificate's page the stored file is checked too; an upload of the same bytes
    # takes that verdict instead of validating the same signature again.
    hashed.clear()
    validated.clear()
    assert verdict(upload(f"/cert/verify/{issued.token}/", original)[1]) == "valid"
    assert hashed == [len(original), len(original)]  # the stored file, then the upload
    assert validated == [len(original)]

    # A different upload on that page is checked on its own.
    hashed.clear()
    validated.clear()
    assert verdict(upload(f"/cert/verify/{issued.token}/", flip_one_byte(original))[1]) == (
        "altered"
    )
    assert len(hashed) == 2 and validated == [len(original)]  # the stored file's only
