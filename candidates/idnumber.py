"""Chinese resident identity numbers (GB 11643-1999): 17 digits and a check character."""

from __future__ import annotations

import datetime as dt

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalise(value: str) -> str:
    """Strip surrounding white space and upper-case a trailing ``x``."""
    return value.strip().upper()


def problem(value: str) -> str | None:
    """Why ``value`` (already normalised) is not a valid ID number, or None when it is."""
    if len(value) != 18:
        return "length"
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "characters"
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "birth_date"
    if born < dt.date(1900, 1, 1) or born > dt.date.today():
        return "birth_date"
    if check_character(value[:17]) != value[17]:
        return "checksum"
    return None
