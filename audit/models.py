from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLogIsAppendOnly(Exception):
    """Audit entries are never deleted one by one or by a query: only the retention purge
    (``audit.retention``), after it exported them, removes them."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly(
            "Audit entries are deleted only by audit.retention.purge_audit_log, after export."
        )

    def _delete_exported(self) -> int:
        """For ``audit.retention`` only: delete these entries, which it has exported."""
        count, _ = super().delete()
        return count


class AuditEntry(models.Model):
    """One change to exam data: who, what, when, from where (R-ROLE-6).

    Entries are written inside the transaction of the change they record, so a change that
    rolls back leaves no entry and no change goes unrecorded.

    .. pii: ``ip`` is the actor's address; ``actor_label`` a username. Kept with the entry,
       ``AUDIT_RETENTION_DAYS``; then exported to a compressed file in storage and deleted
       (``audit.retention``), the one way an entry is ever deleted.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The username at the time, so the entry still reads right after the account is removed.
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("target type"), max_length=80, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label or '-'} {self.action}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly(
            "Audit entries are deleted only by audit.retention.purge_audit_log, after export."
        )
