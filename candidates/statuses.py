"""The verification life cycle of a candidate record (R-CERT-4).

``pending`` (信息待认证) → batch verification → ``verified`` (信息准确) when every automatic check
passes, ``needs_manual`` (需人工确认) otherwise. A member of staff then decides each record by hand,
with a reason: ``verified``, ``rejected`` (不予认证), or back to ``pending`` for the automatic
checks to run again (after a new photo, say). A verified or rejected record only moves back to
``pending``: it is checked again before it can change its outcome. All changes go through
``candidates.services.transition_to``.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.lifecycle import LifeCycle


class Verification(models.TextChoices):
    PENDING = "pending", _("Pending verification")
    NEEDS_MANUAL = "needs_manual", _("Needs manual confirmation")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


# What the automatic checks found, as ``verification.automatic_problems`` writes it (codes joined
# by commas) into ``Candidate.verification_note``; screens show these words, never the codes.
PROBLEM_LABELS: dict[str, Any] = {
    "id_number": _("ID number not valid"),
    "no_photo": _("No registered photo"),
    "format": _("Photo not a readable image"),
    "no_face": _("No face in the photo"),
    "several_faces": _("Several faces in the photo"),
    "no_certificate": _("No certificate or major"),
}


def describe_note(note: str) -> str:
    """``note`` in words: a list of problem codes becomes their labels; a note a person wrote
    (a reason of a manual decision) is shown as written."""
    from django.utils.translation import pgettext

    codes = [part.strip() for part in note.split(",")]
    if note and all(code in PROBLEM_LABELS for code in codes):
        separator = pgettext("between the items of a list", ", ")
        return separator.join(str(PROBLEM_LABELS[code]) for code in codes)
    return note


ALLOWED: dict[str, frozenset[str]] = {
    Verification.PENDING: frozenset(
        {Verification.NEEDS_MANUAL, Verification.VERIFIED, Verification.REJECTED}
    ),
    Verification.NEEDS_MANUAL: frozenset(
        {Verification.VERIFIED, Verification.REJECTED, Verification.PENDING}
    ),
    Verification.VERIFIED: frozenset({Verification.PENDING}),
    Verification.REJECTED: frozenset({Verification.PENDING}),
}

VERIFICATION = LifeCycle("candidate record", ALLOWED)
