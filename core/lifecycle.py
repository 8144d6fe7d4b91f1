"""How a life cycle is declared and a move checked, for every object that has one (attempts,
sites, candidates' verification, certificates, rectification items, support conversations and
make-up requests, alerts, attempts' reviews, face enrolments and identity checks, background
jobs).

Each app's ``statuses`` module names its states and its table of allowed moves and builds one
``LifeCycle`` from them (``ATTEMPT = LifeCycle("attempt", ALLOWED)``); ``ATTEMPT.check(old,
new)`` raises ``IllegalTransition`` for a move the table does not allow. The move itself
(conditional UPDATE + audit row) is ``audit.lifecycle.move``: it writes audit rows, and ``core``
depends on no project app, so it lives with the audit trail it writes to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


class IllegalTransition(Exception):
    """A move its life cycle forbids: a bug in the caller, or a request the caller must have
    refused earlier (it is never a message for people). ``kind`` names the life cycle."""

    def __init__(self, kind: str, old: str, new: str) -> None:
        article = "an" if kind[:1] in "aeiou" else "a"
        super().__init__(f"{article} {kind} cannot move from {old!r} to {new!r}")
        self.kind, self.old, self.new = kind, old, new


@dataclass(frozen=True)
class LifeCycle:
    """The states of one kind of object and the moves allowed between them.

    ``allowed`` maps every state to the states it may move to; a state missing from the table
    (or a final state, mapped to an empty set) allows no move at all.
    """

    kind: str
    allowed: Mapping[str, frozenset[str]] = field(repr=False)

    @property
    def states(self) -> frozenset[str]:
        return frozenset(self.allowed)

    def can(self, old: str, new: str) -> bool:
        return new in self.allowed.get(old, frozenset())

    def check(self, old: str, new: str) -> None:
        """Raise ``IllegalTransition`` unless ``old`` → ``new`` is in the table."""
        if not self.can(old, new):
            raise IllegalTransition(self.kind, old, new)

    def illegal(self, states: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """Every pair of ``states`` (default: the table's) that is not an allowed move, for the
        table tests."""
        names = list(self.allowed if states is None else states)
        return [(old, new) for old in names for new in names if not self.can(old, new)]
