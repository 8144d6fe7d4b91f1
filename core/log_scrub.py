"""Secrets and personal data out of the logs.

Request logs (the access log, ``django.request``, ``django.server``, Daphne's own loggers) print
URLs, and some URLs are credentials or personal data: the phone's pairing link carries its
single-use code in the path, certificate download and verification links carry signed tokens,
account invitation and password-reset links carry their tokens, and a search or a query string
may carry an ID number, a phone number or a passcode. Whoever reads the log (operators, a log
shipper, a support ticket with a pasted excerpt) could pair a phone, download a certificate or
learn who sat an exam.

``ScrubSecrets`` is a logging filter that rewrites each record's message before any handler
formats it; the settings attach it to the console handler (every record of every process) and
to the request loggers themselves (so a record is clean whichever handler receives it).

What is replaced with ``[redacted]``:

- a path segment that looks like a token: 16 or more characters of the URL-safe base64 and
  signing alphabets (letters, digits, ``-``, ``_``, ``:``) with at least one digit and one
  letter (words such as ``import-registrations`` have no digit and stay readable);
- the value of a query parameter named in ``SENSITIVE_PARAMETERS`` (search terms included:
  staff search by ID number), and any query value that looks like a token;
- anything anywhere in the message shaped like a Chinese resident ID number (17 digits and a
  check character) or a mainland mobile number (11 digits starting with 1).
"""

from __future__ import annotations

import logging
import re

PLACEHOLDER = "[redacted]"

SENSITIVE_PARAMETERS = frozenset(
    {
        "id_number",
        "idnumber",
        "phone",
        "mobile",
        "passcode",
        "password",
        "token",
        "signed",
        "code",
        "q",
        "name",
        "next",
    }
)

_TOKEN_SHAPE = r"(?=[A-Za-z0-9_:\-]*[0-9])(?=[A-Za-z0-9_:\-]*[A-Za-z])[A-Za-z0-9_:\-]{16,}"  # noqa: S105 (a pattern, not a secret)
# A path segment: between a slash and the next slash, query, fragment, space, quote or the end.
_SEGMENT = re.compile(rf"(?<=/){_TOKEN_SHAPE}(?=[/?#\s\"']|$)")
# A query parameter: name=value after ? or &.
_PARAMETER = re.compile(r"(?<=[?&])([^=&\s\"'#]+)=([^&\s\"'#]*)")
_WHOLE_TOKEN = re.compile(rf"^{_TOKEN_SHAPE}$")
# A resident ID number, or an 11-digit mainland mobile number, standing alone.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def _parameter(match: re.Match[str]) -> str:
    name, value = match.group(1), match.group(2)
    if not value:
        return match.group(0)
    if name.lower() in SENSITIVE_PARAMETERS or _WHOLE_TOKEN.match(value):
        return f"{name}={PLACEHOLDER}"
    return match.group(0)


def scrub(text: str) -> str:
    """``text`` with tokens, sensitive query values, ID numbers and phone numbers replaced."""
    text = _PARAMETER.sub(_parameter, text)
    text = _SEGMENT.sub(PLACEHOLDER, text)
    text = _ID_NUMBER.sub(PLACEHOLDER, text)
    return _MOBILE.sub(PLACEHOLDER, text)


class ScrubSecrets(logging.Filter):
    """Rewrites a record's message (its arguments merged in) with ``scrub``; keeps every record.

    The merged message replaces ``msg`` and the arguments are dropped, so a handler further on
    formats the scrubbed text and never the original arguments.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: the logging module reports it itself
            return True
        cleaned = scrub(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        return True
