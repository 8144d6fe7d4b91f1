"""Every administration screen renders for the roles it serves, in each window of a plan, and
refuses the roles it does not serve."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client

from certification.models import Enrolment, ExamSession, Seat
from tests import certification_world
from tests.certification_world import PHASES, set_phase
from tests.personas import PASSWORD

if TYPE_CHECKING:
    from tests.personas import Personas


def client_for(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def plan(personas: Personas):
    world = certification_world.build(personas)
    plan = certification_world.plan(world)
    certification_world.verified_candidate(world, 950, "待报考", personas.site)
    enrolled = certification_world.verified_candidate(world, 951, "已排考", personas.site)
    enrolment = Enrolment.objects.create(plan=plan, candidate=enrolled, site=personas.site)
    session = ExamSession.objects.create(
        plan=plan, name="第一场", starts_at=plan.exam_opens, ends_at=plan.exam_closes
    )
    Seat.objects.create(enrolment=enrolment, session=session, room=personas.room_a, number=1)
    return plan


PAGES = [
    "/cert/",
    "/cert/quotas/",
    "/cert/plans/",
    "/candidates/",
    "/candidates/import/",
    "/candidates/photos/",
    "/candidates/manual/",
    "/sites/",
]


def test_the_screens_render_for_the_organisation_and_a_site(plan, personas):
    for username in ("oscar", "sam"):
        client = client_for(username)
        for url in [*PAGES, f"/sites/{personas.site.pk}/"]:
            assert client.get(url).status_code == 200, (username, url)
        for phase in PHASES:
            set_phase(plan, phase)
            response = client.get(f"/cert/plans/{plan.pk}/")
            assert response.status_code == 200, (username, phase)
    for url in ("/cert/institutions/", "/cert/catalogue/"):
        assert client_for("oscar").get(url).status_code == 200
        assert client_for("sam").get(url).status_code == 403


def test_the_registration_window_lists_the_verified_candidates_waiting(plan):
    set_phase(plan, "registration")
    page = client_for("sam").get(f"/cert/plans/{plan.pk}/").content.decode()
    assert "待报考" in page and 'name="candidates"' in page


def test_proctors_candidates_and_strangers_are_kept_out(plan, personas):
    for url in PAGES:
        assert client_for("paula").get(url).status_code == 403, url
        assert Client().get(url).status_code == 302, url
    assert Client().get("/cert/query/").status_code == 200
