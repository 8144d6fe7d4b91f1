"""Chinese resident identity numbers (GB 11643-1999): 17 digits and a check character.

Digits 1–6 are the region of registration (the first two its province), 7–14 the birth date,
15–17 a sequence number, and the last the check character (ISO 7064 MOD 11-2; 10 is ``X``).
"""

from __future__ import annotations

import datetime as dt
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

# Province-level codes of GB/T 2260 (mainland provinces, Taiwan, Hong Kong, Macao) and 91 for
# numbers issued abroad. Only the province is checked: county codes change every year.
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91}
)

# Characters that break uploads without being visible: zero-width space, non-joiner, joiner,
# word joiner, byte-order mark, soft hyphen.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_WHITESPACE = re.compile(r"[\s\u3000\u00a0]+")
_FULL_WIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"ｘ": "X", "Ｘ": "X"})


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalise(value: str) -> str:
    """Remove every space (ASCII, full-width, tabs, line breaks) and invisible character, turn
    full-width digits into ASCII and upper-case a trailing ``x``."""
    value = _WHITESPACE.sub("", value.translate(_FULL_WIDTH))
    value = value.translate({ord(c): None for c in INVISIBLE})
    return value.upper()


def birth_date(value: str) -> dt.date:
    """The birth date of a valid number."""
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def problem(value: str) -> str | None:
    """Why ``value`` (already normalised) is not a valid ID number, or None when it is.

    Codes, in the order checked: ``length``, ``characters``, ``region``, ``birth_date``,
    ``checksum``.
    """
    if len(value) != 18:
        return "length"
    if (
        not value.isascii()
        or not value[:17].isdigit()
        or not (value[17].isdigit() or value[17] == "X")
    ):
        return "characters"
    if int(value[:2]) not in PROVINCES:
        return "region"
    try:
        born = birth_date(value)
    except ValueError:
        return "birth_date"
    if born < dt.date(1900, 1, 1) or born > dt.date.today():
        return "birth_date"
    if check_character(value[:17]) != value[17]:
        return "checksum"
    return None
