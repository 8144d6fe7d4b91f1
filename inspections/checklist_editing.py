"""The city exam centre edits checklist templates in the app (issue 7): create, edit sections
and items, reorder them, copy a template and retire it.

Contract: every function is one transaction that locks the template row first and writes an
audit row. A template used by a submitted report is frozen: what a unit answered must stay
what it was asked, so any change to its name, schedule, sections or items is refused with
``ChecklistLocked`` (the message says to copy it); copying and retiring stay possible.
Report submission locks the same template row (``services._submit``), so a report cannot be
submitted against a half-edited template, nor a template edited under a report being submitted.
Who may edit is checked by the views through ``ChecklistTemplate.objects.editable_by``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max, Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from audit.services import record
from inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Finding,
    ReportAnswer,
    ReportStatus,
)
from inspections.services import InspectionError


class ChecklistLocked(InspectionError):
    """The template is used by a submitted report and cannot change."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This checklist is used by a submitted report and cannot change. "
                "Copy it and edit the copy instead."
            )
        )


def is_used(template: ChecklistTemplate) -> bool:
    """Whether a submitted report answers this template (and so it is frozen)."""
    return template.reports.filter(status=ReportStatus.SUBMITTED).exists()


def _locked_for_change(template_id: int) -> ChecklistTemplate:
    template = ChecklistTemplate.objects.select_for_update().get(pk=template_id)
    if is_used(template):
        raise ChecklistLocked
    return template


def _next_position(queryset: QuerySet[Any]) -> int:
    return int(queryset.aggregate(top=Max("position"))["top"] or 0) + 1


def create_template(
    *,
    code: str,
    name: str,
    unit_kind: str,
    report_weekday: int,
    report_time: dt.time,
    user: Any,
    request: HttpRequest | None = None,
) -> ChecklistTemplate:
    with transaction.atomic():
        if ChecklistTemplate.objects.filter(code=code).exists():
            raise InspectionError(_("A checklist with this code already exists."))
        template = ChecklistTemplate.objects.create(
            code=code,
            name=name,
            unit_kind=unit_kind,
            report_weekday=report_weekday,
            report_time=report_time,
        )
        record("checklist.created", actor=user, target=template, request=request, code=code)
    return template


def update_template(
    template: ChecklistTemplate,
    *,
    name: str,
    unit_kind: str,
    report_weekday: int,
    report_time: dt.time,
    user: Any,
    request: HttpRequest | None = None,
) -> ChecklistTemplate:
    with transaction.atomic():
        locked = _locked_for_change(template.pk)
        # Draft reports were opened for units of the old kind; moving the template to the other
        # kind would leave them answering a checklist that is not theirs.
        if unit_kind != locked.unit_kind and locked.reports.exists():
            raise InspectionError(
                _("Units have started reports on this checklist: its kind cannot change.")
            )
        old = {
            "name": locked.name,
            "unit_kind": locked.unit_kind,
            "report_weekday": locked.report_weekday,
            "report_time": locked.report_time.isoformat(),
        }
        locked.name, locked.unit_kind = name, unit_kind
        locked.report_weekday, locked.report_time = report_weekday, report_time
        locked.save(update_fields=["name", "unit_kind", "report_weekday", "report_time"])
        record("checklist.updated", actor=user, target=locked, request=request, old=old)
    return locked


def copy_template(
    source: ChecklistTemplate,
    *,
    code: str,
    name: str,
    user: Any,
    request: HttpRequest | None = None,
) -> ChecklistTemplate:
    """A new, active template with ``source``'s kind, schedule, sections and items."""
    with transaction.atomic():
        if ChecklistTemplate.objects.filter(code=code).exists():
            raise InspectionError(_("A checklist with this code already exists."))
        copy = ChecklistTemplate.objects.create(
            code=code,
            name=name,
            unit_kind=source.unit_kind,
            report_weekday=source.report_weekday,
            report_time=source.report_time,
        )
        for section in source.sections.prefetch_related("items"):
            new_section = ChecklistSection.objects.create(
                template=copy, position=section.position, title=section.title
            )
            ChecklistItem.objects.bulk_create(
                ChecklistItem(
                    section=new_section,
                    position=item.position,
                    text=item.text,
                    due=item.due,
                    due_date=item.due_date,
                    department=item.department,
                )
                for item in section.items.all()
            )
        record("checklist.copied", actor=user, target=copy, request=request, source=source.pk)
    return copy


def retire_template(
    template: ChecklistTemplate, *, user: Any, request: HttpRequest | None = None
) -> None:
    """Take the template out of use: no new reports; existing reports and findings keep it.
    Conditional, so retiring twice records once."""
    with transaction.atomic():
        updated = ChecklistTemplate.objects.filter(pk=template.pk, is_active=True).update(
            is_active=False
        )
        if updated != 1:
            raise InspectionError(_("This checklist is already retired."))
        record("checklist.retired", actor=user, target=template, request=request)
    template.is_active = False


def add_section(
    template: ChecklistTemplate, *, title: str, user: Any, request: HttpRequest | None = None
) -> ChecklistSection:
    with transaction.atomic():
        locked = _locked_for_change(template.pk)
        section = ChecklistSection.objects.create(
            template=locked, position=_next_position(locked.sections.all()), title=title
        )
        record("checklist.section_added", actor=user, target=locked, request=request, title=title)
    return section


def rename_section(
    section: ChecklistSection, *, title: str, user: Any, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        locked = _locked_for_change(section.template_id)
        old = ChecklistSection.objects.get(pk=section.pk).title
        ChecklistSection.objects.filter(pk=section.pk).update(title=title)
        record(
            "checklist.section_renamed",
            actor=user,
            target=locked,
            request=request,
            section=section.pk,
            old=old,
            new=title,
        )


def _in_use_items(items: QuerySet[ChecklistItem]) -> bool:
    return (
        ReportAnswer.objects.filter(item__in=items).exists()
        or Finding.objects.filter(item__in=items).exists()
    )


def delete_section(
    section: ChecklistSection, *, user: Any, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        locked = _locked_for_change(section.template_id)
        if _in_use_items(section.items.all()):
            raise InspectionError(
                _("Items of this section were answered or have findings: it cannot be deleted.")
            )
        title = section.title
        section.delete()
        record("checklist.section_deleted", actor=user, target=locked, request=request, title=title)


def _item_fields(text: str, due: str, due_date: dt.date | None, department: str) -> dict[str, Any]:
    return {"text": text, "due": due, "due_date": due_date, "department": department}


def add_item(
    section: ChecklistSection,
    *,
    text: str,
    due: str = "",
    due_date: dt.date | None = None,
    department: str = "",
    user: Any,
    request: HttpRequest | None = None,
) -> ChecklistItem:
    with transaction.atomic():
        locked = _locked_for_change(section.template_id)
        item = ChecklistItem.objects.create(
            section=section,
            position=_next_position(section.items.all()),
            **_item_fields(text, due, due_date, department),
        )
        record(
            "checklist.item_added",
            actor=user,
            target=locked,
            request=request,
            item=item.pk,
            section=section.pk,
        )
    return item


def update_item(
    item: ChecklistItem,
    *,
    text: str,
    due: str = "",
    due_date: dt.date | None = None,
    department: str = "",
    user: Any,
    request: HttpRequest | None = None,
) -> None:
    with transaction.atomic():
        locked = _locked_for_change(item.section.template_id)
        current = ChecklistItem.objects.get(pk=item.pk)
        old = _item_fields(current.text, current.due, current.due_date, current.department)
        ChecklistItem.objects.filter(pk=item.pk).update(
            **_item_fields(text, due, due_date, department)
        )
        old["due_date"] = old["due_date"].isoformat() if old["due_date"] else None
        record(
            "checklist.item_updated",
            actor=user,
            target=locked,
            request=request,
            item=item.pk,
            old=old,
        )


def delete_item(item: ChecklistItem, *, user: Any, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        locked = _locked_for_change(item.section.template_id)
        if _in_use_items(ChecklistItem.objects.filter(pk=item.pk)):
            raise InspectionError(
                _("This item was answered or has findings: it cannot be deleted.")
            )
        item_id, text = item.pk, item.text
        item.delete()
        record(
            "checklist.item_deleted",
            actor=user,
            target=locked,
            request=request,
            item=item_id,
            text=text[:200],
        )


def _swap(model: type[Model], siblings: QuerySet[Any], obj: Any, up: bool) -> bool:
    """Swap ``obj`` with its neighbour among ``siblings``; False at either end. Positions are
    unique per parent (not deferrable), so one of the two parks on a free position first."""
    ordered = list(siblings.order_by("position").values_list("pk", "position"))
    index = next(i for i, (pk, _position) in enumerate(ordered) if pk == obj.pk)
    other = index - 1 if up else index + 1
    if other < 0 or other >= len(ordered):
        return False
    (pk_a, pos_a), (pk_b, pos_b) = ordered[index], ordered[other]
    parked = max(position for _pk, position in ordered) + 1
    model._default_manager.filter(pk=pk_a).update(position=parked)
    model._default_manager.filter(pk=pk_b).update(position=pos_a)
    model._default_manager.filter(pk=pk_a).update(position=pos_b)
    return True


def move_section(
    section: ChecklistSection, *, up: bool, user: Any, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        locked = _locked_for_change(section.template_id)
        if _swap(ChecklistSection, locked.sections.all(), section, up):
            record(
                "checklist.section_moved",
                actor=user,
                target=locked,
                request=request,
                section=section.pk,
                direction="up" if up else "down",
            )


def move_item(
    item: ChecklistItem, *, up: bool, user: Any, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        locked = _locked_for_change(item.section.template_id)
        if _swap(ChecklistItem, ChecklistItem.objects.filter(section=item.section_id), item, up):
            record(
                "checklist.item_moved",
                actor=user,
                target=locked,
                request=request,
                item=item.pk,
                direction="up" if up else "down",
            )
