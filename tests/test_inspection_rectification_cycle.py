"""Rectification items: the owner reports, the inspector accepts or reopens, every move
through one transition function with an audit row (R-INSP-4)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from core.lifecycle import IllegalTransition
from inspections import services, statuses
from inspections.models import Rectification
from inspections.statuses import RectificationStatus
from tests.inspection_helpers import jpeg, record_finding, signed_in
from tests.personas import InspectionPersonas, Personas, build_inspections

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(personas: Personas) -> InspectionPersonas:
    return build_inspections(personas)


def test_reopen_then_accept_closes_the_item_with_its_history(world: InspectionPersonas) -> None:
    item = record_finding(world).rectification
    services.report_progress(item, note="已联系厂家", files=[], user=world.uma)
    services.report_progress(item, note="监控已修复", files=[jpeg()], user=world.uma, fixed=True)
    assert item.status == RectificationStatus.SUBMITTED
    later = timezone.now() + dt.timedelta(days=7)
    services.review(item, accept=False, note="录像仍未保存", new_deadline=later, user=world.ingrid)
    item.refresh_from_db()
    assert item.status == RectificationStatus.REOPENED and item.deadline == later
    services.report_progress(item, note="录像已恢复", files=[], user=world.uma, fixed=True)
    services.review(item, accept=True, note="", user=world.ingrid)
    item.refresh_from_db()
    assert item.status == RectificationStatus.ACCEPTED and item.closed_at is not None
    kinds = list(item.updates.values_list("kind", flat=True))
    assert kinds == ["progress", "submitted", "reopened", "submitted", "accepted"]
    actions = AuditEntry.objects.filter(target_id=str(item.pk), action__startswith="rectification.")
    assert [a.action for a in actions.order_by("pk")] == [
        "rectification.submitted",
        "rectification.reopened",
        "rectification.submitted",
        "rectification.accepted",
    ]


def test_only_the_owner_reports_and_only_an_assigned_inspector_reviews(
    world: InspectionPersonas,
) -> None:
    item = record_finding(world).rectification
    with pytest.raises(services.InspectionError, match="owner"):
        services.report_progress(item, note="x", files=[], user=world.vera, fixed=True)
    services.report_progress(item, note="done", files=[], user=world.uma, fixed=True)
    with pytest.raises(services.InspectionError, match="not assigned"):
        services.review(item, accept=True, note="", user=world.ivan)
    with pytest.raises(services.InspectionError, match="reopened"):
        services.review(item, accept=False, note="", user=world.ingrid)
    services.review(item, accept=True, note="", user=world.dina)  # the district office above
    with pytest.raises(services.InspectionError):
        services.review(item, accept=False, note="again", user=world.ingrid)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (old, new)
        for old, new in itertools.product(RectificationStatus.values, repeat=2)
        if new not in statuses.ALLOWED[old]
    ],
)
def test_every_move_outside_the_table_is_illegal(old: str, new: str) -> None:
    with pytest.raises(IllegalTransition):
        services.transition_to(Rectification(pk=1, status=old), new)


def test_a_move_someone_else_made_first_is_not_made_twice(world: InspectionPersonas) -> None:
    item = record_finding(world).rectification
    stale = Rectification.objects.get(pk=item.pk)
    assert services.transition_to(item, RectificationStatus.SUBMITTED, actor=world.uma)
    assert not services.transition_to(stale, RectificationStatus.SUBMITTED, actor=world.uma)
    assert AuditEntry.objects.filter(action="rectification.submitted").count() == 1


def test_the_cycle_works_through_the_pages(world: InspectionPersonas) -> None:
    item = record_finding(world).rectification
    url = f"/inspections/findings/{item.pk}/"
    owner = signed_in(world.uma)
    response = owner.post(
        url, {"progress": "1", "note": "已整改", "fixed": "on", "files": [jpeg()]}
    )
    assert response.status_code == 302
    inspector = signed_in(world.ingrid)
    refused = inspector.post(url, {"review": "1", "decision": "reopen", "note": ""})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    assert inspector.post(url, {"review": "1", "decision": "accept"}).status_code == 302
    item.refresh_from_db()
    assert item.status == RectificationStatus.ACCEPTED
    assert item.updates.get(kind="submitted").evidence.count() == 1
