"""The evidence package as a background job (``jobs``): a 90-minute attempt carries hundreds of
recording segments, more than a request should read and hash, so a worker builds the package
with progress (items done of items in all) and the job page offers its download to the staff
member who asked for it."""

from __future__ import annotations

from typing import Any

from django.core.files.base import File
from django.utils.translation import gettext as _

from audit.services import record
from custody import package
from exams.models import Attempt
from jobs.models import BackgroundJob
from jobs.services import JobRefused, Outcome, Progress

KIND = "custody.evidence_package"


def run_package(job: BackgroundJob, progress: Progress) -> Outcome:
    attempt = (
        Attempt.objects.visible_to_staff(job.owner)
        .select_related("registration__exam")
        .filter(pk=job.params.get("attempt"))
        .first()
    )
    if attempt is None:
        # Checked when the job was started; the owner may have lost the room since.
        raise JobRefused(_("This attempt is not one you may see."))
    try:
        built = package.build(attempt, built_by=job.owner.get_username(), progress=progress)
    except package.PackageRefused as refused:
        raise JobRefused(str(refused)) from None
    record(
        "evidence.package_built",
        actor=job.owner,
        target=attempt,
        job=job.pk,
        items=built.items,
        chain_head=built.chain_head,
        key_id=built.key_id,
    )
    return Outcome(
        result={"items": built.items, "chain_head": built.chain_head, "key_id": built.key_id},
        file=File(built.file),
        filename=built.filename,
    )


def package_context(job: BackgroundJob) -> dict[str, Any]:
    return {"attempt_id": job.params.get("attempt")}
