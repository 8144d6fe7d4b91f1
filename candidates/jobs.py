"""The candidate import as a background job: the worker calls the same
``imports.import_candidates`` the command line uses, with the stored uploads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from candidates import imports
from jobs.services import JobRefused, Outcome, read_input
from reference.models import Institution

if TYPE_CHECKING:
    from jobs.models import BackgroundJob
    from jobs.services import Progress

KIND = "candidates.import"


def run_import(job: BackgroundJob, progress: Progress) -> Outcome:
    """Import ``job.params`` (institution, valid_only, dry_run) from the stored uploads."""
    params = job.params
    institution = Institution.objects.filter(pk=params.get("institution")).first()
    if institution is None:
        raise JobRefused(_("The institution no longer exists."))
    data = read_input(job, "file")
    if data is None:
        raise JobRefused(_("The uploaded file is missing."))
    try:
        report = imports.import_candidates(
            data,
            institution,
            photos_zip=read_input(job, "photos"),
            valid_only=bool(params.get("valid_only")),
            dry_run=bool(params.get("dry_run")),
            actor=job.owner,
            progress=progress,
        )
    except imports.ImportRefused as exc:
        raise JobRefused(str(exc)) from exc
    progress(report.rows, report.rows)
    return Outcome(result=report.as_dict())


def import_context(job: BackgroundJob) -> dict[str, Any]:
    report = job.result or {}
    return {"report": report, "rows": imports.problem_rows(report.get("problems", []))}
