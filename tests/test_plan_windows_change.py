"""The organisation moves a plan's windows on the plan's page (to publish the scores, to end the
plan): the same order rules as a new plan, an audit row with the old and new times, and only
the organisation may do it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from certification.forms import WINDOW_FIELDS
from tests import certification_world
from tests.personas import PASSWORD

if TYPE_CHECKING:
    from tests.personas import Personas

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def posted(plan, **changes: dt.datetime) -> dict[str, str]:
    data = {}
    for name in WINDOW_FIELDS:
        moment = changes.get(name, getattr(plan, name))
        data[f"windows-{name}"] = timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")
    return data


def test_the_organisation_ends_the_plan_now_and_the_change_is_audited(
    personas: Personas,
) -> None:
    plan = certification_world.plan(certification_world.build(personas), "score_entry")
    now = timezone.now().replace(second=0, microsecond=0)
    response = signed_in("oscar").post(
        f"/cert/plans/{plan.pk}/windows/",
        posted(
            plan,
            score_entry_closes=now,
            publication_opens=now - dt.timedelta(minutes=1),
            publication_closes=now,
        ),
        follow=True,
    )
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.publication_closes == now
    assert response.context["ended"]  # the certificate buttons show
    entry = AuditEntry.objects.get(action="plan.windows_changed")
    assert set(entry.data["changed"]) == {
        "score_entry_closes",
        "publication_opens",
        "publication_closes",
    }


def test_windows_out_of_order_change_nothing_and_say_why(personas: Personas) -> None:
    plan = certification_world.plan(certification_world.build(personas), "score_entry")
    before = [getattr(plan, name) for name in WINDOW_FIELDS]
    response = signed_in("oscar").post(
        f"/cert/plans/{plan.pk}/windows/",
        posted(plan, publication_opens=plan.registration_opens - dt.timedelta(days=1)),
        follow=True,
    )
    plan.refresh_from_db()
    assert [getattr(plan, name) for name in WINDOW_FIELDS] == before
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1  # the form's reason, shown on the plan's page
    assert not AuditEntry.objects.filter(action="plan.windows_changed").exists()


def test_a_site_administrator_may_not_move_the_windows(personas: Personas) -> None:
    plan = certification_world.plan(certification_world.build(personas), "score_entry")
    response = signed_in("sam").post(f"/cert/plans/{plan.pk}/windows/", posted(plan))
    assert response.status_code == 403
