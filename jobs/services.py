"""Background jobs: start one, move it through its life cycle, report progress, run it, purge.

The contract of a job kind (``KINDS``): a handler ``handler(job, progress) -> Outcome`` that
does the work from ``job.params`` and ``job.inputs`` and calls ``progress(done, total)`` as it
goes; it raises ``JobRefused`` with a message for the user when the input cannot be used. The
handler's own writes must be all-or-nothing (a failed job has changed nothing).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit import lifecycle
from audit.services import record
from core.errors import Refused
from jobs import statuses
from jobs.models import BackgroundJob
from jobs.statuses import JobStatus

log = logging.getLogger(__name__)

HARD_LIMIT_GRACE = 30  # seconds between the soft time limit and the worker killing the job


@dataclass(frozen=True)
class Kind:
    handler: str  # dotted path, imported when the job runs (the apps depend on jobs, not back)
    label: Any
    template: str  # renders the finished job's result on the job page
    context: str = ""  # dotted path of ``context(job) -> dict`` for that template
    time_limit: str = "JOBS_TIME_LIMIT_SECONDS"  # the setting that says how long it may run

    def seconds(self) -> int:
        return int(getattr(settings, self.time_limit))

    # The Celery queue whose workers run it: a job that needs the vision models goes to
    # "vision"; empty means the default queue.
    queue: str = ""


KINDS: dict[str, Kind] = {
    "candidates.import": Kind(
        "candidates.jobs.run_import",
        gettext_lazy("Candidate import"),
        "candidates/_import_job.html",
        "candidates.jobs.import_context",
        time_limit="JOBS_IMPORT_TIME_LIMIT_SECONDS",
    ),
    "questionbank.import": Kind(
        "questionbank.jobs.run_import",
        gettext_lazy("Question import"),
        "questionbank/_import_job.html",
        "questionbank.jobs.import_context",
        time_limit="JOBS_IMPORT_TIME_LIMIT_SECONDS",
    ),
    "certification.room_tickets": Kind(
        "certification.jobs.run_room_tickets",
        gettext_lazy("Admission tickets of a room"),
        "certification/_tickets_job.html",
    ),
    "certification.register_online": Kind(
        "certification.jobs.run_register_online",
        gettext_lazy("Online registration of a plan's seats"),
        "certification/_register_online_job.html",
        "certification.jobs.register_online_context",
    ),
    "custody.evidence_package": Kind(
        "custody.jobs.run_package",
        gettext_lazy("Evidence package of an attempt"),
        "custody/_package_job.html",
        "custody.jobs.package_context",
    ),
    "vision.bulk_enrolment": Kind(
        "vision.bulk.run_bulk_enrolment",
        gettext_lazy("Face enrolment from the registered photos"),
        "vision/_bulk_job.html",
        "vision.bulk.report_context",
        queue="vision",
    ),
}


@dataclass
class Outcome:
    result: dict[str, Any]
    # The produced file: bytes, or a Django ``File`` for one too large to hold in memory (an
    # evidence package of hundreds of megabytes), copied to storage in chunks.
    file: bytes | File | None = None
    filename: str = ""


class JobRefused(Refused):
    """The job's input cannot be used; the message is shown to the user."""


def start(
    kind: str,
    owner: Any,
    *,
    params: dict[str, Any] | None = None,
    uploads: dict[str, bytes] | None = None,
    total: int | None = None,
) -> BackgroundJob:
    """Store the uploads, create the job and queue it after the commit.

    ``uploads`` maps a role ("file", "photos") to its bytes; the handler finds the stored name
    under the same key of ``job.params["inputs"]``. The job runs in the language active now
    (the requester's), so its report and its failure read as the pages do."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    stored: dict[str, str] = {}
    limit = KINDS[kind].seconds()
    try:
        for role, data in (uploads or {}).items():
            stored[role] = default_storage.save(
                f"jobs/uploads/{uuid.uuid4().hex}", ContentFile(data)
            )
        with transaction.atomic():
            job = BackgroundJob.objects.create(
                kind=kind,
                owner=owner,
                params={
                    "language": translation.get_language() or "",
                    "time_limit": limit,
                    **(params or {}),
                    "inputs": stored,
                },
                inputs=list(stored.values()),
                total=total,
            )
            record("job.queued", actor=owner, target=job, kind=kind)
            from jobs.tasks import run

            # The worker stops the job at the soft limit (it fails with a message, its
            # transaction rolled back) and kills it at the hard one if it does not stop. A job
            # that needs the vision models goes to the "vision" queue.
            options: dict[str, Any] = {"queue": KINDS[kind].queue} if KINDS[kind].queue else {}
            transaction.on_commit(
                partial(
                    run.apply_async,
                    (job.pk,),
                    soft_time_limit=limit,
                    time_limit=limit + HARD_LIMIT_GRACE,
                    **options,
                )
            )
    except BaseException:
        for name in stored.values():  # a job that was not created must not leave its uploads
            default_storage.delete(name)
        raise
    return job


def read_input(job: BackgroundJob, role: str) -> bytes | None:
    name = job.params.get("inputs", {}).get(role)
    if not name:
        return None
    with default_storage.open(name, "rb") as handle:
        data: bytes = handle.read()
    return data


def transition_to(job: BackgroundJob, new_status: str, **fields: Any) -> bool:
    """Move ``job`` to ``new_status`` if nobody else moved it first (conditional UPDATE).

    Raises ``statuses.IllegalTransition`` for a move the life cycle forbids; returns False when
    the row's status was no longer ``job.status``."""
    if new_status in statuses.FINISHED:
        fields.setdefault("finished_at", timezone.now())
    return lifecycle.move(
        job, new_status, cycle=statuses.JOB, action="job", audit={"kind": job.kind}, **fields
    )


class Progress:
    """``progress(done, total)`` writes to the job row every ``every`` units and at the end, so
    a 50,000-row import costs a few hundred small UPDATEs, not 50,000."""

    def __init__(self, job: BackgroundJob, every: int | None = None) -> None:
        self.job = job
        self.every = every or settings.JOBS_PROGRESS_EVERY
        self._written = -1

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None and total != self.job.total:
            self.job.total = total
            self._written = -1
        self.job.done = done
        if self._written < 0 or done - self._written >= self.every or done == self.job.total:
            self.flush()

    def flush(self) -> None:
        BackgroundJob.objects.filter(pk=self.job.pk).update(
            done=self.job.done, total=self.job.total
        )
        self._written = self.job.done


def run(job_id: int) -> None:
    """Run the queued job ``job_id`` once; a vanished, running or finished job is left alone."""
    job = BackgroundJob.objects.filter(pk=job_id).first()
    if job is None or job.status != JobStatus.QUEUED:
        return
    if not transition_to(job, JobStatus.RUNNING, started_at=timezone.now()):
        return  # another delivery of the same task got there first
    with translation.override(job.params.get("language") or None):
        _run(job)


def _run(job: BackgroundJob) -> None:
    handler: Callable[[BackgroundJob, Progress], Outcome] = import_string(KINDS[job.kind].handler)
    progress = Progress(job)
    try:
        outcome = handler(job, progress)
    except JobRefused as exc:
        _finish_failed(job, str(exc))
        return
    except SoftTimeLimitExceeded:
        minutes = max(1, round(int(job.params.get("time_limit") or 0) / 60))
        _finish_failed(
            job,
            ngettext(
                "The job took longer than %(n)d minute and was stopped; nothing was changed. "
                "Split the file into smaller ones and try again.",
                "The job took longer than %(n)d minutes and was stopped; nothing was changed. "
                "Split the file into smaller ones and try again.",
                minutes,
            )
            % {"n": minutes},
        )
        return
    except Exception:
        log.exception("background job %s failed", job.pk)
        _finish_failed(job, _("The job failed unexpectedly. Try again or tell the administrator."))
        return
    finally:
        _delete_inputs(job)
    fields: dict[str, Any] = {"result": outcome.result}
    if job.total is not None:
        fields["done"] = job.total
    if outcome.file is not None:
        content = outcome.file if isinstance(outcome.file, File) else ContentFile(outcome.file)
        job.output.save(f"{uuid.uuid4().hex}-{outcome.filename}", content, save=False)
        fields["output"] = job.output.name
        fields["output_name"] = outcome.filename
    transition_to(job, JobStatus.DONE, **fields)


def _finish_failed(job: BackgroundJob, message: str) -> None:
    # The soft time limit arrives as a signal and can land while psycopg waits on a query: the
    # connection is then left mid-statement and refuses everything after. The failure is then
    # recorded on a fresh connection.
    if (
        connection.connection is not None
        and not connection.in_atomic_block
        and not connection.is_usable()
    ):
        connection.close()
    transition_to(job, JobStatus.FAILED, error=message)


def _delete_inputs(job: BackgroundJob) -> None:
    for name in job.inputs:
        default_storage.delete(name)


def purge_old(now: Any = None) -> int:
    """Delete jobs finished more than ``JOBS_RETENTION_DAYS`` ago, with their files."""
    moment = (now or timezone.now()) - timedelta(days=settings.JOBS_RETENTION_DAYS)
    count = 0
    for job in BackgroundJob.objects.finished_before(moment).iterator():
        if job.output:
            job.output.delete(save=False)
        _delete_inputs(job)
        job.delete()
        count += 1
    return count
