from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jobs.statuses import JobStatus


class BackgroundJobQuerySet(models.QuerySet["BackgroundJob"]):
    def visible_to(self, user: Any) -> BackgroundJobQuerySet:
        """A job is seen by the person who started it, nobody else (it holds their upload's
        report and their download)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owner=user)

    def finished_before(self, moment: Any) -> BackgroundJobQuerySet:
        return self.filter(finished_at__lt=moment)


class BackgroundJob(models.Model):
    """One long bulk job (an import, a PDF batch) run by a Celery worker.

    ``inputs`` names the uploaded files in the default storage; they are deleted when the job
    finishes. ``result`` is the JSON report the job's kind defines; ``output`` a produced file.

    .. pii:: ``result`` of an import holds row numbers and messages that may quote names and ID
       numbers; ``output`` of a ticket batch holds names, ID numbers and photos, that of a bulk
       face enrolment names and ID numbers with each candidate's outcome; the uploads hold the
       candidates' records until the job ends. Jobs and their files are purged
       ``JOBS_RETENTION_DAYS`` (7) days after they finished (beat task ``jobs.purge_old``).
    """

    kind = models.CharField(_("kind"), max_length=60)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="background_jobs"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    params = models.JSONField(default=dict, blank=True)
    inputs = models.JSONField(default=list, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    output = models.FileField(upload_to="jobs/output/", blank=True)
    output_name = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BackgroundJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == JobStatus.DONE else 0
        return min(100, round(100 * self.done / self.total))
