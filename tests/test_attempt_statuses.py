"""The attempt life cycle: allowed moves work and write an audit row; every other move raises."""

from __future__ import annotations

import itertools

import pytest

from audit.models import AuditEntry
from core.lifecycle import IllegalTransition
from exams import services, statuses
from exams.models import Attempt
from exams.statuses import ALLOWED, AttemptStatus

ILLEGAL = [
    (old, new)
    for old, new in itertools.product(AttemptStatus.values, AttemptStatus.values)
    if new not in ALLOWED[old]
]


@pytest.mark.parametrize(("old", "new"), ILLEGAL)
def test_an_illegal_move_raises_and_changes_nothing(
    carol_attempt: Attempt, old: str, new: str
) -> None:
    Attempt.objects.filter(pk=carol_attempt.pk).update(status=old)
    carol_attempt.refresh_from_db()
    entries = AuditEntry.objects.count()
    with pytest.raises(IllegalTransition):
        services.transition_to(carol_attempt, new)
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == old
    assert AuditEntry.objects.count() == entries


def test_every_state_is_in_the_table() -> None:
    assert set(ALLOWED) == set(AttemptStatus.values)
    assert set(AttemptStatus.values) > statuses.FINISHED


def test_a_move_from_a_stale_copy_does_not_happen(carol_attempt: Attempt) -> None:
    stale = Attempt.objects.get(pk=carol_attempt.pk)
    assert services.transition_to(carol_attempt, AttemptStatus.TERMINATED, reason="violation")
    assert not services.transition_to(stale, AttemptStatus.SUBMITTED)
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.TERMINATED


def test_a_move_writes_who_why_and_from_what(carol_attempt: Attempt, personas) -> None:
    services.transition_to(
        carol_attempt, AttemptStatus.TERMINATED, actor=personas.paula, reason="phone in view"
    )
    entry = AuditEntry.objects.get(action="attempt.terminated")
    assert entry.actor == personas.paula
    assert entry.data == {"old_status": "answering", "reason": "phone in view"}
