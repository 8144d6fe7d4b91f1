"""Retention of the audit log: entries older than ``AUDIT_RETENTION_DAYS`` are exported, then
deleted. This is the one path by which audit entries are ever deleted (``AuditEntry.delete``
and ``AuditEntry.objects…delete()`` refuse).

The daily ``audit.purge_old_entries`` writes the entries it is about to delete, oldest first and
at most ``AUDIT_EXPORT_BATCH`` per file, as JSON Lines compressed with gzip into the default
storage under ``audit-exports/``, named by the date range they cover
(``audit-20230101-20230131-<first id>.jsonl.gz``). It reads the stored file back, and deletes
the batch only when the file holds every one of its entries; a failure anywhere before that
deletes nothing, and the next run exports the same entries again. Each purge is itself audited
(``audit.purged``: the file, how many entries, their date range).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import tempfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import record

logger = logging.getLogger(__name__)

EXPORT_DIR = "audit-exports"


class ExportIncomplete(Exception):
    """The stored export does not hold every entry of its batch: nothing was deleted."""


@dataclass(frozen=True)
class Export:
    name: str
    count: int
    first_at: dt.datetime
    last_at: dt.datetime


def entry_as_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "data": entry.data,
        "ip": entry.ip,
    }


def _export_batch(entries: list[AuditEntry]) -> Export:
    first, last = entries[0], entries[-1]
    name = (
        f"{EXPORT_DIR}/audit-{timezone.localtime(first.at):%Y%m%d}-"
        f"{timezone.localtime(last.at):%Y%m%d}-{first.pk}.jsonl.gz"
    )
    with tempfile.TemporaryFile() as spool:
        with gzip.GzipFile(fileobj=spool, mode="wb") as packed:
            for entry in entries:
                line = json.dumps(entry_as_dict(entry), cls=DjangoJSONEncoder, ensure_ascii=False)
                packed.write(line.encode() + b"\n")
        spool.seek(0)
        stored = default_storage.save(name, File(spool, name=name))
    # Read back what storage holds: the batch is deleted only if every entry is in the file.
    with default_storage.open(stored, "rb") as handle, gzip.GzipFile(fileobj=handle) as unpacked:
        ids = [json.loads(line)["id"] for line in unpacked]
    if ids != [entry.pk for entry in entries]:
        raise ExportIncomplete(f"{stored} holds {len(ids)} of {len(entries)} entries")
    return Export(name=stored, count=len(entries), first_at=first.at, last_at=last.at)


def purge_audit_log(now: dt.datetime | None = None) -> list[Export]:
    """Export and delete every entry older than the retention; returns the exports written."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    exports: list[Export] = []
    while True:
        entries = list(
            AuditEntry.objects.filter(at__lt=cutoff).order_by("id")[: settings.AUDIT_EXPORT_BATCH]
        )
        if not entries:
            break
        export = _export_batch(entries)
        with transaction.atomic():
            AuditEntry.objects.filter(pk__in=[entry.pk for entry in entries])._delete_exported()
            record(
                "audit.purged",
                export=export.name,
                entries=export.count,
                first_at=export.first_at.isoformat(),
                last_at=export.last_at.isoformat(),
                retention_days=settings.AUDIT_RETENTION_DAYS,
            )
        logger.info("exported %d audit entries to %s and deleted them", export.count, export.name)
        exports.append(export)
    return exports
