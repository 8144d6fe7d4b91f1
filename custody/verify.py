"""Verifying an evidence package (``custody.package``): the signature by a key this platform
trusts, then every item in the manifest's order against its hash and the chain, then nothing
in the ZIP beyond what the manifest lists. The first failure ends the check and is named.

Verification reads the package only: it writes nothing and needs no database row, so a package
verifies the same after the attempt's recordings have been purged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils.translation import gettext as _

from custody import keys
from custody.package import FORMAT, MANIFEST, SIGNATURE, chain_next, chain_start

CHUNK = 1024 * 1024


@dataclass
class Verdict:
    """What verification found. ``ok`` or not, the reason (for people), and the item it failed
    at (None when the failure is not one item's: not a package, the signature)."""

    ok: bool
    reason: str
    item: str | None = None
    attempt_id: int | None = None
    key_id: str = ""
    built_at: str = ""
    items: list[str] = field(default_factory=list)
    chain_head: str = ""


class _Failed(Exception):
    def __init__(self, reason: str, item: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.item = reason, item


def read_manifest(source: str | IO[bytes]) -> dict[str, Any]:
    """The package's manifest as it says, before any check (the staff page needs the attempt it
    names to decide who may verify it); ``ValueError`` with a reason if there is none."""
    try:
        with zipfile.ZipFile(source) as archive:
            return _manifest(archive)[0]
    except _Failed as failed:
        raise ValueError(failed.reason) from None
    except (zipfile.BadZipFile, OSError, EOFError):
        raise ValueError(_("The file is not an evidence package (not a ZIP file).")) from None


def _manifest(archive: zipfile.ZipFile) -> tuple[dict[str, Any], bytes]:
    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        raise _Failed(_("The file is not an evidence package: it has no manifest.")) from None
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise _Failed(_("The manifest has been altered."), MANIFEST) from None
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _Failed(_("The manifest has been altered."), MANIFEST) from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("attempt"), int)
        or not isinstance(manifest.get("items"), list)
    ):
        raise _Failed(_("The manifest has been altered."), MANIFEST)
    return manifest, raw


def _check_signature(
    archive: zipfile.ZipFile, raw_manifest: bytes, trusted: dict[str, Ed25519PublicKey]
) -> str:
    try:
        signature = json.loads(archive.read(SIGNATURE))
        key_id = str(signature["key_id"])
        signed = base64.b64decode(signature["signature"], validate=True)
    except KeyError:
        raise _Failed(_("The package has no signature."), SIGNATURE) from None
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        UnicodeDecodeError,
        json.JSONDecodeError,
        binascii.Error,
        TypeError,
        ValueError,
    ):
        raise _Failed(_("The signature file has been altered."), SIGNATURE) from None
    public = trusted.get(key_id)
    if public is None:
        raise _Failed(
            _(
                "The package is signed by a key this platform does not trust (key %(key)s). "
                "It was not made here, or with a key that has been withdrawn."
            )
            % {"key": key_id[:16]},
            SIGNATURE,
        )
    try:
        public.verify(signed, raw_manifest)
    except InvalidSignature:
        raise _Failed(
            _(
                "The signature does not match the manifest: the manifest has been altered "
                "or signed by another key."
            ),
            MANIFEST,
        ) from None
    return key_id


def _sha256(archive: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with archive.open(name) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_items(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> tuple[list[str], str]:
    link = chain_start(manifest["attempt"])
    names: list[str] = []
    for entry in manifest["items"]:
        name = str(entry.get("name", ""))
        try:
            digest = _sha256(archive, name)
        except KeyError:
            raise _Failed(_("The item %(item)s is missing.") % {"item": name}, name) from None
        except (zipfile.BadZipFile, zlib.error, EOFError):
            # The ZIP's own checksum of the item failed: its bytes were changed in place.
            raise _Failed(_("The item %(item)s has been altered.") % {"item": name}, name) from None
        if digest != entry.get("sha256"):
            raise _Failed(_("The item %(item)s has been altered.") % {"item": name}, name)
        arrival = entry.get("arrival_sha256")
        if arrival and arrival != digest:
            # The build refuses such a file; a signed manifest that says so was not made here.
            raise _Failed(
                _("The item %(item)s is not the file that arrived.") % {"item": name}, name
            )
        link = chain_next(link, name, digest)
        if link.hex() != entry.get("link"):
            raise _Failed(_("The hash chain is broken at %(item)s.") % {"item": name}, name)
        names.append(name)
    if link.hex() != manifest.get("chain_head"):
        raise _Failed(_("The hash chain does not end where the manifest says."), MANIFEST)
    extra = sorted(set(archive.namelist()) - set(names) - {MANIFEST, SIGNATURE})
    if extra:
        raise _Failed(
            _("The package holds %(item)s, which its manifest does not list.") % {"item": extra[0]},
            extra[0],
        )
    return names, link.hex()


def verify(source: str | IO[bytes], trusted: dict[str, Ed25519PublicKey] | None = None) -> Verdict:
    """Check the package at ``source`` (a path or a binary file) against the ``trusted`` keys
    by id (by default this platform's: ``keys.trusted_keys``)."""
    trusted = keys.trusted_keys() if trusted is None else trusted
    manifest: dict[str, Any] = {}
    key_id = ""
    try:
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError, EOFError):
            raise _Failed(_("The file is not an evidence package (not a ZIP file).")) from None
        with archive:
            manifest, raw = _manifest(archive)
            key_id = _check_signature(archive, raw, trusted)
            names, head = _check_items(archive, manifest)
    except _Failed as failed:
        return Verdict(
            ok=False,
            reason=failed.reason,
            item=failed.item,
            attempt_id=manifest.get("attempt"),
            key_id=key_id,
        )
    return Verdict(
        ok=True,
        reason=_("The package is intact: every item matches its hash and the signature."),
        attempt_id=manifest["attempt"],
        key_id=key_id,
        built_at=str(manifest.get("built_at", "")),
        items=names,
        chain_head=head,
    )
