"""Whether a question is on a paper candidates have sat, asked of the apps that draw papers: a
sat question never changes, so every paper drawn from the bank stays what it was (R-EXAM-1).

Papers belong to the exam app, which imports this one, so the bank cannot look at them itself:
the exam app registers its check once (``AppConfig.ready``) and the editor asks every
registered check before it changes a question. A check returns how many sittings have the
question on their drawn paper (0 when none).
"""

from __future__ import annotations

from collections.abc import Callable

from questionbank.models import Question

UsageCheck = Callable[[Question], int]

_checks: list[UsageCheck] = []


def add_check(check: UsageCheck) -> None:
    """Ask ``check`` before a question changes (idempotent)."""
    if check not in _checks:
        _checks.append(check)


def sittings_with(question: Question) -> int:
    """How many sittings have ``question`` on their drawn paper, by every registered check."""
    return sum(check(question) for check in _checks)
