"""Correcting and removing candidate records by hand, each with a reason and an audit row: the
manual confirmation of records that failed the automatic checks (R-CERT-4).

The audit row names the fields that changed; ID numbers appear masked only (the audit log is
read by many people, the record itself by few).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import router, transaction
from django.db.models.deletion import Collector
from django.http import HttpRequest
from django.utils.translation import gettext as _

from audit.services import record
from candidates.models import Candidate
from candidates.services import transition_to
from candidates.statuses import Verification
from core.errors import Refused

# Fields a correction may change. Changing who the record is about (name, ID number) sends a
# verified record back to the automatic checks.
FIELDS = ("name", "id_number", "phone", "institution", "certificate", "major")
IDENTITY = frozenset({"name", "id_number"})

# Rows that are exam history: a candidate who has any is kept (the scores, certificates and
# the proctors' evidence hang off them). Named by label: candidates does not import those apps.
KEPT = {"exams.attempt", "certification.enrolment"}


class RecordRefused(Refused):
    code = "candidate_record_refused"


def _masked(value: str) -> str:
    return f"{value[:4]}{'*' * 10}{value[-4:]}" if len(value) >= 8 else "****"


def correct(
    candidate: Candidate,
    changes: dict[str, Any],
    *,
    reason: str,
    by: Any,
    request: HttpRequest | None = None,
) -> list[str]:
    """Write ``changes`` (a subset of ``FIELDS``, already validated) to the record; returns the
    names of the fields that changed (none: nothing written)."""
    reason = reason.strip()
    if not reason:
        raise RecordRefused(_("Give the reason for the correction."))
    before = Candidate.objects.get(pk=candidate.pk)
    changed = [f for f in FIELDS if f in changes and getattr(before, f) != changes[f]]
    if not changed:
        return []
    details: dict[str, Any] = {"fields": changed, "reason": reason}
    if "id_number" in changed:
        details["id_number"] = {
            "from": _masked(before.id_number),
            "to": _masked(changes["id_number"]),
        }
    for name in ("institution", "certificate", "major"):
        if name in changed:
            old, new = getattr(before, name), changes[name]
            details[name] = {"from": old.pk if old else None, "to": new.pk if new else None}
    with transaction.atomic():
        if (
            "id_number" in changed
            and Candidate.objects.filter(id_number=changes["id_number"])
            .exclude(pk=candidate.pk)
            .exists()
        ):
            raise RecordRefused(_("Another candidate already has this ID number."))
        for name in changed:
            setattr(candidate, name, changes[name])
        candidate.save(update_fields=changed)
        if "name" in changed:
            type(candidate.user).objects.filter(pk=candidate.user_id).update(
                first_name=candidate.name
            )
        record("candidate.corrected", actor=by, target=candidate, request=request, **details)
        if IDENTITY & set(changed) and candidate.verification == Verification.VERIFIED:
            transition_to(
                candidate, Verification.PENDING, actor=by, request=request, note="corrected"
            )
    return changed


@dataclass
class Removal:
    """What removing a record would do: ``kept`` names the exam history that forbids it,
    ``removed`` what goes with the record (verbose name, count)."""

    kept: list[str] = field(default_factory=list)
    removed: list[tuple[str, int]] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.kept


def _collect(candidate: Candidate) -> Collector:
    # The record is removed with its user account (which owns it); collect from there.
    collector = Collector(using=router.db_for_write(Candidate))
    collector.collect([candidate.user])
    return collector


def _rows(collector: Collector) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for model, instances in collector.data.items():
        counts[model] = counts.get(model, 0) + len(instances)
    for queryset in collector.fast_deletes:
        count = queryset.count()
        if count:
            counts[queryset.model] = counts.get(queryset.model, 0) + count
    return counts


def removal(candidate: Candidate) -> Removal:
    result = Removal()
    for model, count in _rows(_collect(candidate)).items():
        label = model._meta.label_lower
        name = str(model._meta.verbose_name_plural)
        if label in KEPT:
            result.kept.append(name)
        elif label not in ("accounts.user", "candidates.candidate"):
            result.removed.append((name, count))
    return result


def remove(
    candidate: Candidate, *, reason: str, by: Any, request: HttpRequest | None = None
) -> Removal:
    """Remove the record, its sign-in account and what hangs off it (see ``removal``); stored
    files (the ID photo, a face-enrolment image) are deleted once the removal is committed.
    Refused when the candidate has exam history."""
    reason = reason.strip()
    if not reason:
        raise RecordRefused(_("Give the reason for removing the record."))
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        effects = removal(candidate)
        if not effects.allowed:
            raise RecordRefused(
                _(
                    "%(name)s has exam history (%(kept)s), which must be kept: the record cannot "
                    "be removed. Correct it instead."
                )
                % {"name": candidate.name, "kept": ", ".join(effects.kept)}
            )
        files = _files(_collect(candidate))
        record(
            "candidate.removed",
            actor=by,
            target=candidate,
            request=request,
            reason=reason,
            id_number=_masked(candidate.id_number),
            removed={name: count for name, count in effects.removed},
        )
        candidate.user.delete()
        for storage, name in files:
            transaction.on_commit(partial(storage.delete, name))
    return effects


def _files(collector: Collector) -> list[tuple[Any, str]]:
    """The stored files of every row the removal deletes."""
    from django.db.models import FileField

    found = []
    rows: list[Any] = [obj for instances in collector.data.values() for obj in instances]
    for queryset in collector.fast_deletes:
        rows.extend(queryset)
    for obj in rows:
        for model_field in obj._meta.concrete_fields:
            if isinstance(model_field, FileField):
                value = getattr(obj, model_field.attname)
                if value:
                    found.append((model_field.storage, str(value)))
    return found
