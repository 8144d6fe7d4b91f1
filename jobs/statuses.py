"""The life cycle of a background job.

Every change of ``BackgroundJob.status`` goes through ``jobs.services.transition_to``, which
checks the move against ``ALLOWED`` with a conditional UPDATE and writes an audit entry.
A job runs at most once: a redelivered task finds it ``running`` or finished and does nothing.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


S = JobStatus

ALLOWED: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.RUNNING, S.FAILED}),
    S.RUNNING: frozenset({S.DONE, S.FAILED}),
    S.DONE: frozenset(),
    S.FAILED: frozenset(),
}

FINISHED = frozenset({S.DONE, S.FAILED})


class IllegalTransition(Exception):
    def __init__(self, old: str, new: str) -> None:
        super().__init__(f"a job cannot move from {old!r} to {new!r}")
        self.old, self.new = old, new


def check(old: str, new: str) -> None:
    if new not in ALLOWED.get(old, frozenset()):
        raise IllegalTransition(old, new)
