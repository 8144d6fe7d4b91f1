"""The city exam centre edits checklist templates in the app (issue 7): creates them, adds,
edits and reorders sections and items, copies and retires them; a template a submitted report
uses is frozen; only the centre may do any of it."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from inspections import deadlines, services
from inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    ReportStatus,
    UnitKind,
)
from tests.inspection_helpers import items_of, signed_in, template_for
from tests.personas import InspectionPersonas, Personas, build_inspections

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(personas: Personas) -> InspectionPersonas:
    return build_inspections(personas)


def _new_template(client: object) -> ChecklistTemplate:
    response = client.post(  # type: ignore[attr-defined]
        "/inspections/checklists/new/",
        {
            "code": "exam-week-2027",
            "name": "2027 年考务检查表",
            "unit_kind": UnitKind.UNIVERSITY,
            "report_weekday": 3,
            "report_time": "17:00",
        },
    )
    assert response.status_code == 302
    return ChecklistTemplate.objects.get(code="exam-week-2027")


def test_the_centre_creates_a_checklist_adds_items_and_reorders_them(
    world: InspectionPersonas,
) -> None:
    client = signed_in(world.oscar)
    assert (
        "/inspections/checklists/manage/" in client.get("/inspections/checklists/").content.decode()
    )
    template = _new_template(client)
    edit = f"/inspections/checklists/{template.pk}/edit/"
    added = client.post(edit, {"action": "add_section", "section-title": "组织领导"})
    assert added.status_code == 302
    section = ChecklistSection.objects.get(template=template)
    for text, due in (("成立考试安全工作领导小组", "4 月中旬"), ("签订考试安全责任书", "")):
        response = client.post(
            edit,
            {
                "action": "add_item",
                "section": section.pk,
                "item-text": text,
                "item-due": due,
                "item-due_date": "2027-04-15",
                "item-department": "教务处",
            },
        )
        assert response.status_code == 302
    second = ChecklistItem.objects.get(section=section, text="签订考试安全责任书")
    assert (
        client.post(
            f"/inspections/checklists/items/{second.pk}/move/", {"direction": "up"}
        ).status_code
        == 302
    )

    assert [item.text for item in section.items.all()] == [
        "签订考试安全责任书",
        "成立考试安全工作领导小组",
    ]
    assert str(ChecklistItem.objects.get(pk=second.pk).due_date) == "2027-04-15"
    page = client.get(edit).content.decode()
    assert "成立考试安全工作领导小组" in page and "2027-04-15" in page
    actions = set(
        AuditEntry.objects.filter(target_id=str(template.pk)).values_list("action", flat=True)
    )
    assert actions == {
        "checklist.created",
        "checklist.section_added",
        "checklist.item_added",
        "checklist.item_moved",
    }
    assert template in ChecklistTemplate.objects.for_unit(world.university_1)


def _submit_a_report(world: InspectionPersonas, template: ChecklistTemplate) -> None:
    report = services.open_report(world.university_1, template, deadlines.current_week(), world.uma)
    answers = [services.AnswerInput(item.pk, "done") for item in items_of(template)]
    submitted = services.save_answers(report, answers, {}, world.uma, submit=True)
    assert submitted.status == ReportStatus.SUBMITTED


def test_a_checklist_used_by_a_submitted_report_cannot_be_edited_but_can_be_copied(
    world: InspectionPersonas,
) -> None:
    template = template_for(world.university_1)
    _submit_a_report(world, template)
    item = items_of(template)[0]
    client = signed_in(world.oscar)
    edit = f"/inspections/checklists/{template.pk}/edit/"

    page = client.get(edit).content.decode()
    assert "Copy it and edit the copy instead." in page
    refused = client.post(
        f"/inspections/checklists/items/{item.pk}/", {"text": "改过的文字", "due": ""}
    )
    assert refused.status_code == 409
    assert "Copy it and edit the copy instead." in refused.content.decode()
    added = client.post(
        edit, {"action": "add_item", "section": item.section_id, "item-text": "新增检查项"}
    )
    assert added.status_code == 409
    moved = client.post(f"/inspections/checklists/items/{item.pk}/move/", {"direction": "down"})
    assert moved.status_code == 302
    assert ChecklistItem.objects.get(pk=item.pk).text == item.text
    assert ChecklistItem.objects.get(pk=item.pk).position == item.position
    assert len(items_of(template)) == 71

    copied = client.post(
        f"/inspections/checklists/{template.pk}/copy/",
        {"code": "university-2027", "name": "2027 年高校督查表"},
    )
    assert copied.status_code == 302
    copy = ChecklistTemplate.objects.get(code="university-2027")
    assert [i.text for i in items_of(copy)] == [i.text for i in items_of(template)]
    first = items_of(copy)[0]
    edited = client.post(
        f"/inspections/checklists/items/{first.pk}/",
        {"text": "改过的文字", "due": "5 月", "department": "保卫处"},
    )
    assert edited.status_code == 302
    assert ChecklistItem.objects.get(pk=first.pk).text == "改过的文字"
    assert ChecklistItem.objects.get(pk=item.pk).text == item.text

    retired = client.post(f"/inspections/checklists/{template.pk}/retire/")
    assert retired.status_code == 302
    assert list(ChecklistTemplate.objects.for_unit(world.university_1)) == [copy]
    assert AuditEntry.objects.filter(action="checklist.retired", target_id=str(template.pk))


def test_unit_staff_and_inspectors_are_refused_every_checklist_editing_page(
    world: InspectionPersonas,
) -> None:
    template = template_for(world.university_1)
    item = items_of(template)[0]
    pages = [
        "/inspections/checklists/manage/",
        "/inspections/checklists/new/",
        f"/inspections/checklists/{template.pk}/edit/",
        f"/inspections/checklists/{template.pk}/copy/",
        f"/inspections/checklists/sections/{item.section_id}/",
        f"/inspections/checklists/items/{item.pk}/",
    ]
    posts = [
        f"/inspections/checklists/{template.pk}/retire/",
        f"/inspections/checklists/items/{item.pk}/delete/",
        f"/inspections/checklists/sections/{item.section_id}/delete/",
    ]
    for user in (world.uma, world.dina, world.ingrid, world.ivan):
        client = signed_in(user)
        assert (
            "/inspections/checklists/manage/"
            not in client.get("/inspections/checklists/").content.decode()
        )
        for url in pages:
            assert client.get(url).status_code == 403, (user, url)
            assert (
                client.post(url, {"action": "add_section", "section-title": "x"}).status_code == 403
            )
        for url in posts:
            assert client.post(url).status_code == 403, (user, url)
    assert ChecklistTemplate.objects.get(pk=template.pk).is_active
    assert ChecklistItem.objects.filter(pk=item.pk).exists()
    assert not AuditEntry.objects.filter(action__startswith="checklist.").exists()


def test_bad_input_shows_clear_errors_and_writes_nothing(world: InspectionPersonas) -> None:
    client = signed_in(world.oscar)
    template = _new_template(client)
    section = ChecklistSection.objects.create(template=template, position=1, title="组织领导")
    edit = f"/inspections/checklists/{template.pk}/edit/"
    entries = AuditEntry.objects.count()

    empty = client.post(
        edit,
        {"action": "add_item", "section": section.pk, "item-text": "   ", "item-due_date": ""},
    )
    assert empty.status_code == 400
    assert "This field is required." in empty.content.decode()
    bad_date = client.post(
        edit,
        {
            "action": "add_item",
            "section": section.pk,
            "item-text": "成立考试安全工作领导小组",
            "item-due_date": "2027-02-30",
        },
    )
    assert bad_date.status_code == 400
    page = bad_date.content.decode()
    assert "Enter a valid date." in page and "成立考试安全工作领导小组" in page
    no_section = client.post(
        edit, {"action": "add_item", "section": "x", "item-text": "成立考试安全工作领导小组"}
    )
    assert no_section.status_code == 400
    assert "Choose the section to add the item to." in no_section.content.decode()
    bad_time = client.post(
        edit,
        {
            "action": "details",
            "name": "改名",
            "unit_kind": UnitKind.UNIVERSITY,
            "report_weekday": 3,
            "report_time": "25:00",
        },
    )
    assert bad_time.status_code == 400
    assert "Enter a valid time." in bad_time.content.decode()
    duplicate = client.post(
        "/inspections/checklists/new/",
        {
            "code": "exam-week-2027",
            "name": "重复",
            "unit_kind": UnitKind.DISTRICT,
            "report_weekday": 4,
            "report_time": "17:00",
        },
    )
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.content.decode()

    assert not ChecklistItem.objects.filter(section__template=template).exists()
    assert ChecklistTemplate.objects.get(pk=template.pk).name == "2027 年考务检查表"
    assert ChecklistTemplate.objects.filter(name="重复").count() == 0
    assert AuditEntry.objects.count() == entries
