"""Workflows of exam-security inspection: self-inspection reports, findings, rectification and
the escalation of overdue items.

Each workflow checks who may act and validates everything (answers and evidence files) before it
writes, then writes inside one transaction; evidence files stored before a failure are deleted
again, so an error leaves neither rows nor files behind. ``Rectification.status`` changes only
through ``transition_to``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from audit import lifecycle
from audit.services import record
from core.errors import Refused
from inspections import deadlines, statuses, uploads
from inspections.models import (
    AnswerResult,
    ChecklistItem,
    ChecklistTemplate,
    Escalation,
    Evidence,
    Finding,
    Rectification,
    RectificationUpdate,
    ReportAnswer,
    ReportStatus,
    SelfInspectionReport,
    Unit,
)
from inspections.statuses import RectificationStatus


class InspectionError(Refused):
    """A request the workflow refuses; ``message`` is shown to the user as it is."""


@contextmanager
def _stored_files() -> Iterator[list[str]]:
    """Names of files stored inside the block; deleted again if the block fails."""
    names: list[str] = []
    try:
        yield names
    except BaseException:
        for name in names:
            default_storage.delete(name)
        raise


def _attach(
    stored: list[str], checked: Sequence[uploads.CheckedUpload], user: Any, **owner: Any
) -> None:
    for upload in checked:
        evidence = Evidence(
            original_name=upload.name,
            content_type=upload.content_type,
            size=upload.size,
            uploaded_by=user,
            **owner,
        )
        evidence.file.save(upload.name, upload.file, save=False)
        stored.append(evidence.file.name)
        evidence.save()


def _check_files(
    files: Sequence[UploadedFile], *, images_only: bool = False
) -> list[uploads.CheckedUpload]:
    try:
        return uploads.check_all(list(files), images_only=images_only)
    except ValidationError as exc:
        raise InspectionError(" ".join(exc.messages)) from None


# Self-inspection reports ------------------------------------------------------------------


def open_report(
    unit: Unit, template: ChecklistTemplate, week: dt.date, user: Any
) -> SelfInspectionReport:
    """The unit's report on ``template`` for ``week``, created as a draft the first time."""
    if not Unit.objects.staffed_by(user).filter(pk=unit.pk).exists():
        raise InspectionError(_("Only the unit's own staff can fill in its report."))
    if template.unit_kind != unit.kind or not template.is_active:
        raise InspectionError(_("This checklist is not the one for this unit."))
    week = deadlines.week_of(week)
    defaults = {"deadline": deadlines.deadline(template, week)}
    try:
        with transaction.atomic():
            report, created = SelfInspectionReport.objects.get_or_create(
                unit=unit, template=template, week=week, defaults=defaults
            )
            if created:
                record("inspection_report.started", actor=user, target=report)
    except IntegrityError:  # two tabs opened the same week at once
        report = SelfInspectionReport.objects.get(unit=unit, template=template, week=week)
    return report


@dataclass(frozen=True)
class AnswerInput:
    item_id: int
    result: str
    note: str = ""


def save_answers(
    report: SelfInspectionReport,
    answers: Sequence[AnswerInput],
    files: Mapping[int, Sequence[UploadedFile]],
    user: Any,
    *,
    submit: bool = False,
    now: dt.datetime | None = None,
) -> SelfInspectionReport:
    """Store ``answers`` (and evidence ``files`` per item id) on a draft report, and submit it
    when ``submit``. All or nothing: one bad answer or file refuses the whole request."""
    if not Unit.objects.staffed_by(user).filter(pk=report.unit_id).exists():
        raise InspectionError(_("Only the unit's own staff can fill in its report."))
    items = {
        item.pk: item
        for item in ChecklistItem.objects.filter(section__template_id=report.template_id)
    }
    for answer in answers:
        if answer.item_id not in items:
            raise InspectionError(
                _("Item %(id)s is not on this report's checklist.") % {"id": answer.item_id}
            )
        if answer.result not in AnswerResult.values:
            raise InspectionError(_("Choose done, not done or not applicable for every answer."))
    answered = {a.item_id for a in answers}
    for item_id in files:
        if item_id not in items:
            raise InspectionError(
                _("Item %(id)s is not on this report's checklist.") % {"id": item_id}
            )
        if (
            files[item_id]
            and item_id not in answered
            and not report.answers.filter(item_id=item_id).exists()
        ):
            raise InspectionError(_("Answer an item before attaching evidence to it."))
    checked = {item_id: _check_files(batch) for item_id, batch in files.items() if batch}

    with _stored_files() as stored, transaction.atomic():
        locked = SelfInspectionReport.objects.select_for_update().get(pk=report.pk)
        if locked.status != ReportStatus.DRAFT:
            raise InspectionError(_("This report has already been submitted and cannot change."))
        for answer in answers:
            ReportAnswer.objects.update_or_create(
                report=locked,
                item_id=answer.item_id,
                defaults={"result": answer.result, "note": answer.note.strip()},
            )
        for item_id, batch in checked.items():
            target = ReportAnswer.objects.get(report=locked, item_id=item_id)
            _attach(stored, batch, user, answer=target)
        if submit:
            _submit(locked, user, now or timezone.now())
    return locked


def _submit(report: SelfInspectionReport, user: Any, now: dt.datetime) -> None:
    # The centre's checklist edits (``checklist_editing``) lock the same template row: the
    # checklist cannot change between counting its items here and freezing it by submitting.
    ChecklistTemplate.objects.select_for_update().only("pk").get(pk=report.template_id)
    item_count = ChecklistItem.objects.filter(section__template_id=report.template_id).count()
    unanswered = item_count - report.answers.count()
    if unanswered:
        raise InspectionError(
            _("Answer every item before submitting: %(n)s not answered yet.") % {"n": unanswered}
        )
    # Conditional on the draft state, so a double click or a second tab submits only once.
    updated = SelfInspectionReport.objects.filter(pk=report.pk, status=ReportStatus.DRAFT).update(
        status=ReportStatus.SUBMITTED, submitted_at=now, submitted_by=user
    )
    if updated != 1:
        raise InspectionError(_("This report has already been submitted and cannot change."))
    report.status, report.submitted_at, report.submitted_by = ReportStatus.SUBMITTED, now, user
    record(
        "inspection_report.submitted",
        actor=user,
        target=report,
        late=report.is_late,
        deadline=report.deadline.isoformat(),
    )


def submit_report(
    report: SelfInspectionReport, user: Any, now: dt.datetime | None = None
) -> SelfInspectionReport:
    return save_answers(report, [], {}, user, submit=True, now=now)


# Findings and rectification ---------------------------------------------------------------


def record_finding(
    *,
    unit: Unit,
    item: ChecklistItem,
    description: str,
    owner: Any,
    deadline: dt.datetime,
    photos: Sequence[UploadedFile],
    user: Any,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Finding:
    """Record what an inspector found at ``unit`` against ``item``; it becomes a rectification
    item owned by a member of the unit's staff, due at ``deadline``."""
    now = now or timezone.now()
    if not Unit.objects.inspectable_by(user).filter(pk=unit.pk).exists():
        raise InspectionError(_("You are not assigned to inspect this unit."))
    if item.section.template.unit_kind != unit.kind:
        raise InspectionError(_("This checklist item belongs to another kind of unit's checklist."))
    if not unit.memberships.filter(user_id=owner.pk).exists():
        raise InspectionError(_("The owner must be a member of the inspected unit's staff."))
    if deadline <= now:
        raise InspectionError(_("The deadline must be in the future."))
    if not description.strip():
        raise InspectionError(_("Describe what was found."))
    checked = _check_files(photos, images_only=True)
    with _stored_files() as stored, transaction.atomic():
        finding = Finding.objects.create(
            unit=unit, item=item, description=description.strip(), recorded_by=user
        )
        rectification = Rectification.objects.create(
            finding=finding, owner=owner, deadline=deadline
        )
        _attach(stored, checked, user, finding=finding)
        record(
            "finding.recorded",
            actor=user,
            target=finding,
            request=request,
            rectification=rectification.pk,
            deadline=deadline.isoformat(),
        )
    return finding


def transition_to(
    rectification: Rectification,
    new_status: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    reason: str = "",
    **fields: Any,
) -> bool:
    """Move ``rectification`` to ``new_status`` if nobody else moved it first.

    Raises ``IllegalTransition`` for a move the life cycle forbids. Returns False when the row's
    status was no longer ``rectification.status``; the caller decides whether that is fine.
    """
    return lifecycle.move(
        rectification,
        new_status,
        cycle=statuses.RECTIFICATION,
        action="rectification",
        actor=actor,
        request=request,
        audit={"reason": reason},
        **fields,
    )


def report_progress(
    rectification: Rectification,
    *,
    note: str,
    files: Sequence[UploadedFile],
    user: Any,
    fixed: bool = False,
    request: HttpRequest | None = None,
) -> RectificationUpdate:
    """The owner reports progress with evidence; ``fixed`` hands the item to the inspector."""
    if rectification.owner_id != user.pk:
        raise InspectionError(_("Only the owner of this item can report progress on it."))
    if rectification.status not in statuses.IN_HAND:
        raise InspectionError(_("This item is not waiting for the owner's work."))
    if not note.strip() and not files:
        raise InspectionError(_("Write what was done or attach evidence."))
    checked = _check_files(files)
    kind = RectificationUpdate.Kind.SUBMITTED if fixed else RectificationUpdate.Kind.PROGRESS
    with _stored_files() as stored, transaction.atomic():
        if fixed and not transition_to(
            rectification, RectificationStatus.SUBMITTED, actor=user, request=request
        ):
            raise InspectionError(_("Someone else changed this item first; reload the page."))
        update = RectificationUpdate.objects.create(
            rectification=rectification, kind=kind, note=note.strip(), author=user
        )
        _attach(stored, checked, user, update=update)
    return update


def review(
    rectification: Rectification,
    *,
    accept: bool,
    note: str,
    user: Any,
    new_deadline: dt.datetime | None = None,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> RectificationUpdate:
    """The inspector accepts the owner's work (closing the item) or reopens it, optionally with
    a new deadline."""
    now = now or timezone.now()
    unit = rectification.finding.unit
    if not Unit.objects.inspectable_by(user).filter(pk=unit.pk).exists():
        raise InspectionError(_("You are not assigned to inspect this unit."))
    if rectification.status != RectificationStatus.SUBMITTED:
        raise InspectionError(_("Only an item reported fixed can be accepted or reopened."))
    if not accept and not note.strip():
        raise InspectionError(_("Say why the item is reopened."))
    if new_deadline is not None and new_deadline <= now:
        raise InspectionError(_("The deadline must be in the future."))
    fields: dict[str, Any] = {}
    if accept:
        new_status, kind = RectificationStatus.ACCEPTED, RectificationUpdate.Kind.ACCEPTED
        fields["closed_at"] = now
    else:
        new_status, kind = RectificationStatus.REOPENED, RectificationUpdate.Kind.REOPENED
        if new_deadline is not None:
            fields["deadline"] = new_deadline
    with transaction.atomic():
        if not transition_to(
            rectification, new_status, actor=user, request=request, reason=note.strip(), **fields
        ):
            raise InspectionError(_("Someone else changed this item first; reload the page."))
        return RectificationUpdate.objects.create(
            rectification=rectification, kind=kind, note=note.strip(), author=user
        )


# Escalation --------------------------------------------------------------------------------


def level_above(unit: Unit) -> list[User]:
    """Who hears about the unit's overdue items: a university's district office staff, and for
    a district the city exam centre (organisation administrators). Only active accounts with
    an e-mail address can be told."""
    if unit.parent_id is not None:
        people = User.objects.filter(unit_memberships__unit_id=unit.parent_id)
    else:
        people = User.objects.filter(role=Role.ORG_ADMIN)
    return list(people.filter(is_active=True).exclude(email="").distinct())


def escalate(rectification_id: int, now: dt.datetime | None = None) -> bool:
    """Report one overdue item to the level above, once per deadline. Returns whether it
    escalated now; a vanished, resolved, not yet overdue or already escalated item is left."""
    from notifications.services import queue

    now = now or timezone.now()
    with transaction.atomic():
        rectification = (
            Rectification.objects.select_for_update()
            .select_related("finding__unit", "finding__item", "owner")
            .filter(pk=rectification_id)
            .first()
        )
        if rectification is None or not (
            rectification.status in statuses.IN_HAND and rectification.deadline < now
        ):
            return False
        # The row lock makes concurrent runs wait here; the unique constraint backs it up.
        if Escalation.objects.filter(
            rectification=rectification, deadline=rectification.deadline
        ).exists():
            return False
        unit = rectification.finding.unit
        recipients = level_above(unit)
        Escalation.objects.create(
            rectification=rectification, deadline=rectification.deadline, recipients=len(recipients)
        )
        with translation.override(None):  # the platform's language, not a request's
            subject = _("Overdue rectification: %(unit)s") % {"unit": unit.name}
            body = _(
                "The rectification item of %(unit)s owned by %(owner)s was due at %(deadline)s "
                "and is not done.\nFinding: %(finding)s\nChecklist item: %(item)s"
            ) % {
                "unit": unit.name,
                "owner": rectification.owner.display_name,
                "deadline": timezone.localtime(rectification.deadline).strftime("%Y-%m-%d %H:%M"),
                "finding": rectification.finding.description,
                "item": rectification.finding.item.text,
            }
        for person in recipients:
            queue(
                "email",
                person.email,
                body,
                subject=subject,
                purpose="inspection.overdue",
                about=rectification,
            )
        record(
            "rectification.escalated",
            target=rectification,
            deadline=rectification.deadline.isoformat(),
            recipients=len(recipients),
        )
    return True


def overdue_ids(now: dt.datetime | None = None) -> list[int]:
    """Overdue items not yet escalated for their current deadline."""
    return list(
        Rectification.objects.overdue(now or timezone.now())
        .exclude(escalations__deadline=F("deadline"))
        .values_list("pk", flat=True)
    )
