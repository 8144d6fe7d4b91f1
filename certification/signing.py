"""The certificate signing key (R-CERT-12): PAdES signatures on issued certificate PDFs and
signed statements of the three signing steps.

The key and its X.509 certificate never live in the database: settings name PEM files
(``CERT_SIGNING_KEY_FILE``, ``CERT_SIGNING_CERT_FILE``, and ``CERT_SIGNING_CA_FILES`` for the
issuing chain, which verification trusts). Production requires them (``CERT_SIGNING_REQUIRED``)
and refuses to sign or verify without them; the embedded default generates a self-signed key and
certificate under ``var/`` on first use, so a copied database alone can never forge a
certificate. A verification trusts only the configured chain (or, without one, the signing
certificate itself): a PDF signed by any other key is not ours.

Rotation: ``CERT_SIGNING_EARLIER_CERT_FILES`` names the certificates of keys used before. Each
signed statement records the fingerprint of the certificate that signed it and is checked with
that certificate's key, so the certificates issued before a rotation stay valid; a fingerprint
of no configured certificate is refused.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core import secret_files

logger = logging.getLogger(__name__)

FIELD_NAME = "CertificateSignature"


@dataclass(frozen=True)
class KeyMaterial:
    key_file: Path
    cert_file: Path
    ca_files: tuple[Path, ...]
    # Certificates of earlier signing keys: they still verify what they signed, never sign.
    earlier_certs: tuple[Path, ...] = ()


@dataclass(frozen=True)
class SignatureCheck:
    """What the embedded signature of a PDF says. ``ours``: intact, covering the whole file,
    made by a certificate that chains to the configured trust roots."""

    signed: bool
    intact: bool
    trusted: bool
    whole_file: bool

    @property
    def ours(self) -> bool:
        return self.signed and self.intact and self.trusted and self.whole_file


def _dev_material(directory: Path) -> KeyMaterial:
    """A self-signed key and certificate for the embedded default, made once. Each file is
    written whole and only if absent (``core.secret_files``), and the certificate is made for
    the key the file holds: two processes starting together end with one key and a certificate
    of that key, and neither reads a file the other is still writing."""
    key_file, cert_file = directory / "signing.key", directory / "signing.crt"
    if not cert_file.exists():
        pem = secret_files.read_or_create(
            key_file, lambda: private_pem(ec.generate_private_key(ec.SECP256R1()))
        )
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ImproperlyConfigured(f"{key_file} is not the EC key the embedded default makes.")
        common_name = "Open Proctor certificates (development key)"
        secret_files.read_or_create(
            cert_file,
            lambda: _certificate_of(
                key, common_name, issuer=_name(common_name), issuer_key=key, ca=True, days=3650
            ).public_bytes(serialization.Encoding.PEM),
        )
    return KeyMaterial(key_file, cert_file, ())


def material() -> KeyMaterial:
    """The configured key files; raises ``ImproperlyConfigured`` when production has none or a
    named file cannot be read."""
    key_file, cert_file = settings.CERT_SIGNING_KEY_FILE, settings.CERT_SIGNING_CERT_FILE
    if not key_file or not cert_file:
        if settings.CERT_SIGNING_REQUIRED:
            raise ImproperlyConfigured(
                "CERT_SIGNING_KEY_FILE and CERT_SIGNING_CERT_FILE are required: name the PEM "
                "files of the certificate signing key and its X.509 certificate "
                "(docs/operations.md, Certificate signing key)."
            )
        return _dev_material(Path(settings.CERT_SIGNING_DEV_DIR))
    found = KeyMaterial(
        Path(key_file),
        Path(cert_file),
        tuple(Path(p) for p in settings.CERT_SIGNING_CA_FILES),
        tuple(Path(p) for p in settings.CERT_SIGNING_EARLIER_CERT_FILES),
    )
    for path in (found.key_file, found.cert_file, *found.ca_files, *found.earlier_certs):
        if not path.is_file():
            raise ImproperlyConfigured(f"Certificate signing file not found: {path}")
    return found


@functools.cache
def _signer(found: KeyMaterial) -> Any:
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load(
        str(found.key_file),
        str(found.cert_file),
        ca_chain_files=[str(p) for p in found.ca_files] or None,
    )
    if signer is None:
        raise ImproperlyConfigured(
            f"The certificate signing key {found.key_file} or its certificate cannot be read."
        )
    return signer


@functools.cache
def _private_key(found: KeyMaterial) -> Any:
    return serialization.load_pem_private_key(found.key_file.read_bytes(), password=None)


@functools.cache
def _certificate(found: KeyMaterial) -> x509.Certificate:
    return x509.load_pem_x509_certificate(found.cert_file.read_bytes())


@functools.cache
def _verifying_certificates(found: KeyMaterial) -> dict[str, x509.Certificate]:
    """The current signing certificate and the earlier ones, by SHA-256 fingerprint."""
    certificates = [_certificate(found)]
    for path in found.earlier_certs:
        try:
            certificates.append(x509.load_pem_x509_certificate(path.read_bytes()))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"CERT_SIGNING_EARLIER_CERT_FILES names no PEM certificate: {path}"
            ) from exc
    return {cert.fingerprint(hashes.SHA256()).hex(): cert for cert in certificates}


def check_configuration() -> None:
    """Raise ``ImproperlyConfigured`` if this configuration cannot sign (system check)."""
    found = material()
    _signer(found)
    key, cert = _private_key(found), _certificate(found)
    if key.public_key().public_numbers() != cert.public_key().public_numbers():  # type: ignore[union-attr]
        raise ImproperlyConfigured(
            "CERT_SIGNING_KEY_FILE is not the key of CERT_SIGNING_CERT_FILE's certificate."
        )
    _verifying_certificates(found)


def fingerprint() -> str:
    """SHA-256 of the signing certificate (DER), recorded with every signed statement."""
    return _certificate(material()).fingerprint(hashes.SHA256()).hex()


def sign_pdf(data: bytes, *, reason: str, location: str = "") -> bytes:
    """``data`` with a PAdES baseline signature (an incremental update covering the file)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=reason,
        location=location or None,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    signers.sign_pdf(writer, meta, signer=_signer(material()), output=out)
    return out.getvalue()


def _trust_roots(found: KeyMaterial) -> list[Any]:
    from pyhanko.keys import load_cert_from_pemder

    # An earlier signing certificate is trusted as itself: after a rotation to another CA the
    # PDFs it signed still verify, without trusting anything else that CA issued.
    roots = (*(found.ca_files or (found.cert_file,)), *found.earlier_certs)
    return [load_cert_from_pemder(str(p)) for p in roots]


def check_pdf(data: bytes) -> SignatureCheck:
    """Check the last embedded signature of ``data`` against the configured trust roots. Never
    raises for a bad file: a file that is no PDF, or a broken one, is simply not signed by us."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    unsigned = SignatureCheck(signed=False, intact=False, trusted=False, whole_file=False)
    broken = SignatureCheck(signed=True, intact=False, trusted=False, whole_file=False)
    try:
        embedded = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception as exc:  # pyHanko's parser raises many kinds for a damaged file
        logger.info("certificate PDF unreadable: %s", exc)
        return unsigned
    if not embedded:
        return unsigned
    context = ValidationContext(trust_roots=_trust_roots(material()))
    # The untrusted signer of a foreign file is an expected answer, not a fault to log.
    pyhanko_log = logging.getLogger("pyhanko")
    previous = pyhanko_log.level
    pyhanko_log.setLevel(logging.CRITICAL)
    try:
        status = validate_pdf_signature(embedded[-1], context)
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError, OSError) as exc:
        logger.info("certificate PDF signature unreadable: %s", exc)
        return broken
    finally:
        pyhanko_log.setLevel(previous)
    return SignatureCheck(
        signed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
    )


def sign_statement(statement: bytes) -> bytes:
    """A detached signature of ``statement`` with the signing key (ECDSA or RSA, SHA-256)."""
    key = _private_key(material())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(statement, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(statement, padding.PKCS1v15(), hashes.SHA256())
    raise ImproperlyConfigured("The certificate signing key must be an EC or RSA key.")


def verify_statement(statement: bytes, signature: bytes, key_fingerprint: str) -> bool:
    """``signature`` is the signature of ``statement`` by the key of the signing certificate
    ``key_fingerprint`` names (the current one or an earlier one); an unknown one never holds."""
    certificate = _verifying_certificates(material()).get(key_fingerprint)
    if certificate is None:
        logger.warning("certificate statement signed by an unknown key %s", key_fingerprint[:16])
        return False
    public = certificate.public_key()
    try:
        if isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, statement, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, statement, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True


# Key generation: the embedded default's key, and the tests' own CA and signing certificates.


def private_pem(key: Any) -> bytes:
    return bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate_of(
    key: ec.EllipticCurvePrivateKey,
    common_name: str,
    *,
    issuer: x509.Name,
    issuer_key: Any,
    ca: bool,
    days: int,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_key_usage(ca=ca), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def self_signed(
    common_name: str, *, days: int = 3650
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A P-256 key with a self-signed certificate that may sign documents and certificates."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate_of(
        key, common_name, issuer=_name(common_name), issuer_key=key, ca=True, days=days
    )
    return key, cert


def issued_by(
    ca_key: Any, ca_cert: x509.Certificate, common_name: str, *, days: int = 3650
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A document-signing key and certificate issued by ``ca_cert``."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate_of(
        key, common_name, issuer=ca_cert.subject, issuer_key=ca_key, ca=False, days=days
    )
    return key, cert


def write_material(directory: Path, common_name: str) -> KeyMaterial:
    """A CA and a signing certificate it issued, as PEM files in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = self_signed(f"{common_name} CA")
    key, cert = issued_by(ca_key, ca_cert, common_name)
    found = KeyMaterial(
        directory / "signing.key", directory / "signing.crt", (directory / "ca.crt",)
    )
    found.key_file.write_bytes(private_pem(key))
    found.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    found.ca_files[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return found
