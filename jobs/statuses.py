"""The life cycle of a background job.

Every change of ``BackgroundJob.status`` goes through ``jobs.services.transition_to``, which
checks the move against ``ALLOWED`` with a conditional UPDATE and writes an audit entry.
A job runs at most once: a redelivered task finds it ``running`` or finished and does nothing.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.lifecycle import LifeCycle


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

JOB = LifeCycle("job", ALLOWED)
