"""Overdue rectification items are reported to the level above by a scheduled job, once per
item and deadline (R-INSP-4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from inspections import services, tasks
from inspections.models import Escalation, Finding, Rectification, Unit
from notifications.models import Delivery
from tests.inspection_helpers import items_of, record_finding, template_for
from tests.personas import InspectionPersonas, Personas, build_inspections


@pytest.fixture
def world(personas: Personas) -> InspectionPersonas:
    return build_inspections(personas)


def make_overdue(item: Rectification) -> None:
    Rectification.objects.filter(pk=item.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))
    item.refresh_from_db()


def test_the_job_runs_on_beat() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["escalate-overdue-rectifications"]
    assert entry["task"] == tasks.escalate_overdue.name == "inspections.escalate_overdue"


def test_an_overdue_university_item_is_reported_to_its_district_once(
    world: InspectionPersonas,
) -> None:
    item = record_finding(world).rectification
    assert tasks.escalate_overdue() == 0  # not due yet
    make_overdue(item)
    assert tasks.escalate_overdue() == 1
    assert tasks.escalate_overdue() == 0
    assert services.escalate(item.pk) is False
    delivery = Delivery.objects.get(purpose="inspection.overdue")
    assert delivery.recipient == "dina@d1.example"
    assert delivery.about == f"inspections.rectification:{item.pk}"
    assert "示范学院" in delivery.subject and "试卷保管室监控离线" in delivery.body
    assert Escalation.objects.get().recipients == 1


def test_an_overdue_district_item_is_reported_to_the_city_exam_centre(
    world: InspectionPersonas,
) -> None:
    district = world.district_1
    dina_item = services.record_finding(
        unit=district,
        item=items_of(template_for(district))[0],
        description="考区保密室未验收",
        owner=world.dina,
        deadline=timezone.now() + dt.timedelta(days=1),
        photos=[],
        user=world.ingrid,
    ).rectification
    make_overdue(dina_item)
    assert tasks.escalate_overdue() == 1
    assert list(Delivery.objects.values_list("recipient", flat=True)) == ["oscar@centre.example"]


def test_items_reported_fixed_or_accepted_are_not_escalated(world: InspectionPersonas) -> None:
    item = record_finding(world).rectification
    services.report_progress(item, note="done", files=[], user=world.uma, fixed=True)
    make_overdue(item)
    assert tasks.escalate_overdue() == 0
    services.review(item, accept=True, note="", user=world.ingrid)
    assert tasks.escalate_overdue() == 0
    assert not Delivery.objects.exists()


def test_a_reopened_item_that_misses_its_new_deadline_is_escalated_again(
    world: InspectionPersonas,
) -> None:
    item = record_finding(world).rectification
    make_overdue(item)
    assert tasks.escalate_overdue() == 1
    services.report_progress(item, note="done", files=[], user=world.uma, fixed=True)
    new_deadline = timezone.now() + dt.timedelta(days=2)
    services.review(item, accept=False, note="不合格", new_deadline=new_deadline, user=world.ingrid)
    assert tasks.escalate_overdue() == 0
    assert services.escalate(item.pk, now=new_deadline + dt.timedelta(minutes=1))
    assert Escalation.objects.filter(rectification=item).count() == 2
    assert Delivery.objects.count() == 2


def test_a_vanished_item_is_left_alone(world: InspectionPersonas) -> None:
    item = record_finding(world).rectification
    make_overdue(item)
    Finding.objects.filter(pk=item.finding_id).delete()
    assert services.escalate(item.pk) is False
    assert Unit.objects.filter(pk=world.university_1.pk).exists()
