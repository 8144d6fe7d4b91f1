"""The city exam centre's pages for editing checklist templates (issue 7). Only organisation
administrators and superusers (``role_required``); templates, sections and items are fetched
through ``ChecklistTemplate.objects.editable_by``. Changes go through ``checklist_editing``,
which refuses to change a template a submitted report uses."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from inspections import checklist_editing as editing
from inspections.forms import (
    ChecklistCopyForm,
    ChecklistItemForm,
    ChecklistSectionForm,
    ChecklistTemplateForm,
)
from inspections.models import ChecklistItem, ChecklistSection, ChecklistTemplate
from inspections.services import InspectionError


def _template(request: HttpRequest, template_id: int) -> ChecklistTemplate:
    return get_object_or_404(ChecklistTemplate.objects.editable_by(request.user), pk=template_id)


def _section(request: HttpRequest, section_id: int) -> ChecklistSection:
    return get_object_or_404(
        ChecklistSection.objects.filter(
            template__in=ChecklistTemplate.objects.editable_by(request.user)
        ).select_related("template"),
        pk=section_id,
    )


def _item(request: HttpRequest, item_id: int) -> ChecklistItem:
    return get_object_or_404(
        ChecklistItem.objects.filter(
            section__template__in=ChecklistTemplate.objects.editable_by(request.user)
        ).select_related("section__template"),
        pk=item_id,
    )


@role_required(Role.ORG_ADMIN)
def manage(request: HttpRequest) -> HttpResponse:
    templates = ChecklistTemplate.objects.editable_by(request.user).order_by("-is_active", "code")
    rows = [(template, editing.is_used(template)) for template in templates]
    return render(request, "inspections/checklist_manage.html", {"rows": rows})


@role_required(Role.ORG_ADMIN)
def template_new(request: HttpRequest) -> HttpResponse:
    form = ChecklistTemplateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                template = editing.create_template(
                    **{k: form.cleaned_data[k] for k in form.Meta.fields},
                    user=request.user,
                    request=request,
                )
            except InspectionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The checklist was created: now add its sections."))
                return redirect("inspections:checklist-edit", template.pk)
    return render(
        request,
        "inspections/checklist_form.html",
        {"form": form, "title": _("New checklist"), "submit": _("Create the checklist")},
        status=status,
    )


@role_required(Role.ORG_ADMIN)
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    """The template with its sections and items; POST ``action`` = details, add_section or
    add_item (with ``section``). Errors re-render the page with the forms as sent."""
    template = _template(request, template_id)
    used = editing.is_used(template)
    action = request.POST.get("action", "")
    details = ChecklistTemplateForm(
        request.POST if action == "details" else None, instance=template, editing=True
    )
    section_form = ChecklistSectionForm(
        request.POST if action == "add_section" else None, prefix="section"
    )
    item_form = ChecklistItemForm(request.POST if action == "add_item" else None, prefix="item")
    item_section = request.POST.get("section", "") if action == "add_item" else ""
    error, status = "", 200
    if request.method == "POST":
        status = 400
        try:
            if action == "details" and details.is_valid():
                editing.update_template(
                    template,
                    name=details.cleaned_data["name"],
                    unit_kind=details.cleaned_data["unit_kind"],
                    report_weekday=details.cleaned_data["report_weekday"],
                    report_time=details.cleaned_data["report_time"],
                    user=request.user,
                    request=request,
                )
                messages.success(request, _("The checklist was saved."))
                return redirect("inspections:checklist-edit", template.pk)
            if action == "add_section" and section_form.is_valid():
                editing.add_section(
                    template,
                    title=section_form.cleaned_data["title"],
                    user=request.user,
                    request=request,
                )
                messages.success(request, _("The section was added."))
                return redirect("inspections:checklist-edit", template.pk)
            if action == "add_item":
                section = template.sections.filter(pk=_int(item_section)).first()
                if section is None:
                    error = _("Choose the section to add the item to.")
                elif item_form.is_valid():
                    editing.add_item(
                        section, **item_form.cleaned_data, user=request.user, request=request
                    )
                    messages.success(request, _("The item was added."))
                    return redirect("inspections:checklist-edit", template.pk)
            if action not in ("details", "add_section", "add_item"):
                error = _("The form was not understood.")
        except editing.ChecklistLocked as exc:
            error, status = exc.message, 409
        except InspectionError as exc:
            error = exc.message
        template.refresh_from_db()
    return render(
        request,
        "inspections/checklist_edit.html",
        {
            "template": template,
            "used": used,
            "sections": template.sections.prefetch_related("items"),
            "details": details,
            "section_form": section_form,
            "item_form": item_form,
            "item_section": item_section,
            "error": error,
        },
        status=status,
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@role_required(Role.ORG_ADMIN)
def template_copy(request: HttpRequest, template_id: int) -> HttpResponse:
    source = _template(request, template_id)
    form = ChecklistCopyForm(
        request.POST or None,
        initial={"code": f"{source.code}-copy"[:40], "name": source.name},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                copy = editing.copy_template(
                    source,
                    code=form.cleaned_data["code"],
                    name=form.cleaned_data["name"],
                    user=request.user,
                    request=request,
                )
            except InspectionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The copy was created: edit it below."))
                return redirect("inspections:checklist-edit", copy.pk)
    return render(
        request,
        "inspections/checklist_form.html",
        {
            "form": form,
            "title": _("Copy checklist: %(name)s") % {"name": source.name},
            "submit": _("Create the copy"),
        },
        status=status,
    )


@require_POST
@role_required(Role.ORG_ADMIN)
def template_retire(request: HttpRequest, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    try:
        editing.retire_template(template, user=request.user, request=request)
    except InspectionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The checklist was retired: units no longer report on it."))
    return redirect("inspections:checklist-manage")


def _done(request: HttpRequest, template_id: int, call: Any, success: str) -> HttpResponse:
    """Run a change from a button on the edit page; its refusal is shown there."""
    try:
        call()
    except InspectionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("inspections:checklist-edit", template_id)


@require_POST
@role_required(Role.ORG_ADMIN)
def section_move(request: HttpRequest, section_id: int) -> HttpResponse:
    section = _section(request, section_id)
    up = request.POST.get("direction") == "up"
    return _done(
        request,
        section.template_id,
        lambda: editing.move_section(section, up=up, user=request.user, request=request),
        _("The section was moved."),
    )


@require_POST
@role_required(Role.ORG_ADMIN)
def section_delete(request: HttpRequest, section_id: int) -> HttpResponse:
    section = _section(request, section_id)
    return _done(
        request,
        section.template_id,
        lambda: editing.delete_section(section, user=request.user, request=request),
        _("The section was deleted."),
    )


@require_POST
@role_required(Role.ORG_ADMIN)
def item_move(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    up = request.POST.get("direction") == "up"
    return _done(
        request,
        item.section.template_id,
        lambda: editing.move_item(item, up=up, user=request.user, request=request),
        _("The item was moved."),
    )


@require_POST
@role_required(Role.ORG_ADMIN)
def item_delete(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    return _done(
        request,
        item.section.template_id,
        lambda: editing.delete_item(item, user=request.user, request=request),
        _("The item was deleted."),
    )


def _edit_page(
    request: HttpRequest, form: Any, template: ChecklistTemplate, title: str, save: Any
) -> HttpResponse:
    """A one-form page (rename a section, edit an item) that returns to the template."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                save(form.cleaned_data)
            except editing.ChecklistLocked as exc:
                form.add_error(None, exc.message)
                status = 409
            except InspectionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your changes were saved."))
                return redirect("inspections:checklist-edit", template.pk)
    return render(
        request,
        "inspections/checklist_form.html",
        {"form": form, "title": title, "submit": _("Save"), "back": template},
        status=status,
    )


@role_required(Role.ORG_ADMIN)
def section_edit(request: HttpRequest, section_id: int) -> HttpResponse:
    section = _section(request, section_id)
    form = ChecklistSectionForm(request.POST or None, instance=section)
    return _edit_page(
        request,
        form,
        section.template,
        _("Rename section"),
        lambda data: editing.rename_section(
            section, title=data["title"], user=request.user, request=request
        ),
    )


@role_required(Role.ORG_ADMIN)
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    form = ChecklistItemForm(request.POST or None, instance=item)
    return _edit_page(
        request,
        form,
        item.section.template,
        _("Edit item"),
        lambda data: editing.update_item(item, **data, user=request.user, request=request),
    )
