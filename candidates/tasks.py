"""Background work on candidate records."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction

from candidates.models import Candidate


@shared_task(
    name="vision.check_candidate_photo",  # vision.* routes to the vision workers (models there)
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
)
def check_candidate_photo(candidate_id: int) -> None:
    """Count the faces in the candidate's registered photo and record a ``no_face`` or
    ``several_faces`` problem (R-CERT-3). Idempotent; a vanished candidate or photo is fine."""
    from vision.faces import count_faces
    from vision.images import ImageError

    candidate = Candidate.objects.filter(pk=candidate_id).first()
    if candidate is None or not candidate.photo:
        return
    name = candidate.photo.name
    with candidate.photo.open("rb") as handle:
        data = handle.read()
    try:
        faces = count_faces(data)
    except ImageError:
        faces, problem = 0, "format"
    else:
        problem = "" if faces == 1 else ("no_face" if faces == 0 else "several_faces")
    with transaction.atomic():
        # Only if the photo is still the one we looked at: a newer upload has its own check.
        Candidate.objects.filter(pk=candidate_id, photo=name).update(
            photo_faces=faces, photo_problem=problem
        )


@shared_task(
    name="candidates.purge_registered_photos",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def purge_registered_photos() -> int:
    """Daily (beat): registered photos past ``PHOTO_RETENTION_DAYS`` after the last exam."""
    from candidates import retention

    return retention.purge_registered_photos()
