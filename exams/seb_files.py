"""Safe Exam Browser configuration files (``.seb``): reading one, writing one, and its Config Key.

A ``.seb`` file is a property list (plist) of SEB settings, framed the way SEB writes it:

* plain plist XML (``<?xml …``), as the SEB Config Tool saves "unencrypted" settings; or
* gzip-compressed data that, once decompressed, starts with a four-byte prefix naming what
  follows: ``plnd`` (plain data: the plist XML, itself usually gzip-compressed again), ``pswd`` or
  ``pwcc`` (encrypted with a password), ``pkhs`` or ``phsk`` (encrypted with a certificate).

Only unencrypted files can be read here: the platform never holds an exam's SEB password or
certificate.

The Config Key is SHA-256 (lower-case hex) of the settings written as "SEB-JSON", the way SEB
clients compute it:

* dictionaries as ``{"key":value,…}`` with keys sorted case-insensitively at every level, the
  ``originatorVersion`` key left out at every level, and dictionary values that are (or become)
  empty left out; arrays as ``[…]`` in their order; no whitespace anywhere;
* strings between double quotes exactly as they are, with no escaping (a backslash in a URL
  filter stays one backslash); ``<data>`` as its Base64 text between quotes (empty data is
  ``""``); ``true``/``false``; integers in decimal;
* reals as .NET writes a double with 15 significant digits ("G15"), the format SEB for Windows
  uses and SEB for macOS reproduces: ``%.15g`` with an upper-case exponent marker, zero as ``0``;
* dates as SEB for Windows writes them: ISO 8601 in UTC with seven fractional digits, not quoted.
  (SEB's clients disagree on dates, which no SEB setting uses; this follows the Windows client.)

An empty configuration therefore is ``{}``, whose SHA-256 is
``44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a``. (PHP implementations
that encode the settings with ``json_encode`` get ``[]`` for an empty configuration instead,
because PHP has one type for empty lists and empty maps; SEB writes a dictionary as ``{}``.)
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import math
import plistlib
import zlib
from typing import Any
from xml.parsers.expat import ExpatError

from django.utils.translation import gettext_lazy as _

from core.errors import Refused

# Enough for any real SEB configuration (SEB's own full settings are about 20 KB of XML); the
# limit keeps a compressed upload from expanding without bound.
MAX_CONFIG_BYTES = 2 * 1024 * 1024

GZIP_MAGIC = b"\x1f\x8b"
XML_START = b"<?xm"
PLAIN_DATA = b"plnd"
PASSWORD_PREFIXES = (b"pswd", b"pwcc")
CERTIFICATE_PREFIXES = (b"pkhs", b"phsk")
ORIGINATOR_VERSION = "originatorVersion"


class SebFileRefused(Refused):
    code = "seb_file_refused"


def _gunzip(data: bytes) -> bytes:
    """Decompress gzip data, refusing anything that would grow past ``MAX_CONFIG_BYTES``."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_CONFIG_BYTES + 1)
    except zlib.error as error:
        raise SebFileRefused(
            _(
                "This file looks compressed but cannot be decompressed: it is damaged. "
                "Save the configuration again in the SEB Config Tool and upload the new file."
            )
        ) from error
    if len(out) > MAX_CONFIG_BYTES or inflater.unconsumed_tail:
        raise _too_large()
    return out


def _too_large() -> SebFileRefused:
    return SebFileRefused(
        _(
            "This file is larger than any SEB configuration (2 MB at most). "
            "Check it is the right one."
        )
    )


def plist_xml(raw: bytes) -> bytes:
    """The plist XML inside the ``.seb`` file ``raw``, or a refusal that says what to do."""
    if len(raw) > MAX_CONFIG_BYTES:
        raise _too_large()
    data = _gunzip(raw) if raw.startswith(GZIP_MAGIC) else raw
    prefix = data[:4]
    if prefix in PASSWORD_PREFIXES:
        raise SebFileRefused(
            _(
                "This SEB file is encrypted with a password, so its settings cannot be read. "
                "Open it in the SEB Config Tool, set no settings password, save it unencrypted "
                "and upload that file."
            )
        )
    if prefix in CERTIFICATE_PREFIXES:
        raise SebFileRefused(
            _(
                "This SEB file is encrypted with a certificate, so its settings cannot be read. "
                "Open it in the SEB Config Tool, choose no encryption certificate, save it "
                "unencrypted and upload that file."
            )
        )
    if prefix == PLAIN_DATA:
        data = data[4:]
        if data.startswith(GZIP_MAGIC):
            data = _gunzip(data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data[:4].lower() == XML_START:
        raise SebFileRefused(
            _(
                "This is not a Safe Exam Browser configuration file. Upload a .seb file saved "
                "unencrypted by the SEB Config Tool (or by SEB's own settings window)."
            )
        )
    return data


def read_settings(raw: bytes) -> dict[str, Any]:
    """The settings of the unencrypted ``.seb`` file ``raw``."""
    xml = plist_xml(raw)
    try:
        settings = plistlib.loads(xml, fmt=plistlib.FMT_XML)
    except (plistlib.InvalidFileException, ExpatError, ValueError, TypeError, KeyError) as error:
        raise _malformed() from error
    if not isinstance(settings, dict):
        raise _malformed()
    _check_values(settings)
    return settings


def _malformed() -> SebFileRefused:
    return SebFileRefused(
        _(
            "This SEB file is damaged: its settings are not a well-formed property list. "
            "Save the configuration again in the SEB Config Tool and upload the new file."
        )
    )


def _check_values(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise _malformed()
    if isinstance(value, dict):
        for item in value.values():
            _check_values(item)
    elif isinstance(value, list):
        for item in value:
            _check_values(item)


def _sort_key(key: str) -> tuple[str, str]:
    # Case-insensitive; keys differing only in case (which SEB says not to use) put the one
    # with lower-case letters first, as SEB's documentation shows.
    return key.casefold(), key.swapcase()


def _real(number: float) -> str:
    if number == 0:
        return "0"
    return f"{number:.15g}".replace("e", "E")


def _date(moment: dt.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond * 10:07d}Z"


def _clean(value: Any) -> Any:
    """``value`` without ``originatorVersion`` keys and without empty dictionary values."""
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            if key == ORIGINATOR_VERSION:
                continue
            item = _clean(item)
            if isinstance(item, dict) and not item:
                continue
            cleaned[key] = item
        return cleaned
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _json(value: Any) -> str:
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda pair: _sort_key(pair[0]))
        return "{" + ",".join(f'"{key}":{_json(item)}' for key, item in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _real(value)
    if isinstance(value, bytes):
        return '"' + base64.b64encode(value).decode("ascii") + '"'
    if isinstance(value, dt.datetime):
        return _date(value)
    if isinstance(value, str):
        return f'"{value}"'
    raise TypeError(f"no SEB-JSON form for {type(value).__name__}")


def seb_json(settings: dict[str, Any]) -> str:
    """``settings`` as the SEB-JSON text that the Config Key hashes."""
    return _json(_clean(settings))


def config_key(settings: dict[str, Any]) -> str:
    return hashlib.sha256(seb_json(settings).encode("utf-8")).hexdigest()


def config_key_of_file(raw: bytes) -> str:
    """The Config Key of the unencrypted ``.seb`` file ``raw`` (refusals say what to do)."""
    return config_key(read_settings(raw))


def write_settings(settings: dict[str, Any]) -> bytes:
    """``settings`` as an unencrypted ``.seb`` file: plist XML, which every SEB client opens."""
    return plistlib.dumps(settings, fmt=plistlib.FMT_XML, sort_keys=True)


def hashed_password(password: str) -> str:
    """A quit or settings password as SEB stores it: SHA-256 of its UTF-8 bytes, lower-case hex."""
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def exam_settings(
    *,
    start_url: str,
    quit_url: str,
    allow_quit: bool,
    quit_password_hash: str,
) -> dict[str, Any]:
    """The settings the platform generates for an exam, in the spirit of the quiz templates of
    learning systems that integrate SEB: SEB starts at the candidate's sign-in page, sends its
    keys in request headers, lets the page use the camera and microphone (the exam is
    proctored through them), and keeps the candidate inside the exam until its quit link."""
    settings: dict[str, Any] = {
        "startURL": start_url,
        "sendBrowserExamKey": True,
        "sebConfigPurpose": 0,  # starting an exam (not configuring a client)
        "allowQuit": allow_quit,
        "quitURL": quit_url,
        "quitURLConfirm": True,
        "allowVideoCapture": True,
        "allowAudioCapture": True,
        "allowPreferencesWindow": False,
        "allowBrowsingBackForward": False,
        "allowSpellCheck": False,
        "allowWlan": False,
        "browserWindowAllowReload": True,
        "showReloadButton": True,
        "showTaskBar": True,
        "showTime": True,
        "showInputLanguage": True,
        "audioControlEnabled": False,
        "audioMute": False,
        "URLFilterEnable": False,
        "URLFilterEnableContentFilter": False,
        "downloadAndOpenSebConfig": True,
    }
    if quit_password_hash:
        settings["hashedQuitPassword"] = quit_password_hash
    return settings
