"""The question import as a background job, so that reading an upload never holds a web process:
the check (a dry run) and the import after confirmation both run ``importing.import_file`` on a
worker, within the imports' time limit. A checked file that has no problem is staged (see
``staging``) and its token is kept in the job's result for the confirmation form."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from jobs import services as job_services
from jobs.services import JobRefused, Outcome, read_input
from questionbank import importing, staging
from questionbank.models import Question, Subject
from questionbank.reports import Issue

if TYPE_CHECKING:
    from jobs.models import BackgroundJob
    from jobs.services import Progress

KIND = "questionbank.import"


def start(
    user: Any, subject: Subject, filename: str, data: bytes, *, dry_run: bool
) -> BackgroundJob:
    """Queue the check (``dry_run``) or the import of ``data`` into ``subject``'s bank."""
    return job_services.start(
        KIND,
        user,
        params={
            "subject": subject.pk,
            "filename": filename[:200],
            "dry_run": dry_run,
        },
        uploads={"file": data},
    )


def run_import(job: BackgroundJob, progress: Progress) -> Outcome:
    params = job.params
    subject = Subject.objects.managed_by(job.owner).filter(pk=params.get("subject")).first()
    if subject is None:
        raise JobRefused(_("The subject no longer exists or is no longer yours to change."))
    data = read_input(job, "file")
    if data is None:
        raise JobRefused(_("The uploaded file is missing."))
    filename = str(params.get("filename") or "upload")
    dry_run = bool(params.get("dry_run"))
    # jobs.services.run has switched to the uploader's language, so the report reads as theirs.
    report = importing.import_file(subject, data, filename, dry_run=dry_run, actor=job.owner)
    result = {**report.as_dict(), "subject": subject.code}
    if dry_run and report.ok:
        result["token"] = staging.stage(job.owner, subject.pk, filename, data)
    progress(1, 1)
    return Outcome(result=result)


@dataclass
class StoredReport:
    """A finished job's report as the import page showed it: counts by type and every problem
    with its position (worked out again in the reader's language)."""

    filename: str
    dry_run: bool
    questions: int
    imported: int
    by_type: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def counts(self) -> dict[str, int]:
        return {kind: self.by_type.get(kind, 0) for kind in Question.Kind.values}

    def count_rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.by_type.get(value, 0)) for value, label in Question.Kind.choices]


def _issue(found: dict[str, Any]) -> Issue:
    names = {f.name for f in fields(Issue)}
    return Issue(**{key: value for key, value in found.items() if key in names})


def import_context(job: BackgroundJob) -> dict[str, Any]:
    result = job.result or {}
    report = StoredReport(
        filename=result.get("file", ""),
        dry_run=bool(result.get("dry_run")),
        questions=int(result.get("questions", 0)),
        imported=int(result.get("imported", 0)),
        by_type=result.get("by_type", {}),
        issues=[_issue(found) for found in result.get("errors", [])],
    )
    subject = Subject.objects.managed_by(job.owner).filter(code=result.get("subject")).first()
    return {"report": report, "subject": subject, "token": result.get("token", "")}
