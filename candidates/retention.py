"""Retention of registered ID photos: ``PHOTO_RETENTION_DAYS`` after the candidate's last exam.

The photo serves the admission ticket, the record's verification and the face enrolment, all
before or during an exam; after the last exam it is only a risk. The daily
``candidates.purge_registered_photos`` deletes the file and clears the field (the record keeps
its verification result). A candidate registered for a later exam keeps the photo until that
exam too is past the retention; one never registered keeps it until registered (the record
itself goes with its exam records).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from candidates.models import Candidate

logger = logging.getLogger(__name__)


def purge_registered_photos(now: dt.datetime | None = None) -> int:
    """Delete the photos of candidates whose last exam closed more than the retention ago."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PHOTO_RETENTION_DAYS)
    past = Candidate.objects.last_exam_ended_before(cutoff).exclude(photo="")
    count = 0
    for candidate in Candidate.objects.filter(pk__in=past.values("pk")).only("pk", "photo"):
        name = candidate.photo.name
        # The file first: a crash between the two leaves a field naming a missing file, which
        # the next purge clears, rather than a file no record points at.
        candidate.photo.storage.delete(name)
        Candidate.objects.filter(pk=candidate.pk, photo=name).update(
            photo="", photo_problem="", photo_faces=None
        )
        count += 1
    if count:
        logger.info("purged %d registered photos of exams closed before %s", count, cutoff)
    return count
