"""How a candidate's accommodation (``exams.models.Accommodation``, issue 16) relaxes the
frame alerts: a screen reader's user raises no looking-away alert (their head and eyes follow
the speech, not the screen); a candidate with a medical reason to leave the seat still raises
left-seat alerts, at low severity, so the proctor knows without the review ranking them high.
Leaving the exam page under a screen reader is settled earlier, by the leave policy
(``exams.services.record_event`` records it only, so no left-page alert is raised)."""

from __future__ import annotations

from typing import Any

from proctoring.models import AlertKind, Severity


def relaxations(attempt: Any) -> tuple[frozenset[str], dict[str, int]]:
    """``(kinds never raised, {kind: severity})`` for ``attempt``'s candidate."""
    accommodation = getattr(attempt.registration, "accommodation", None)
    if accommodation is None:
        return frozenset(), {}
    suppressed = (
        {AlertKind.LOOKING_AWAY, AlertKind.LEFT_PAGE} if accommodation.screen_reader else set()
    )
    lowered = {AlertKind.LEFT_SEAT: Severity.LOW} if accommodation.may_leave_seat else {}
    return frozenset(suppressed), {str(k): int(v) for k, v in lowered.items()}
