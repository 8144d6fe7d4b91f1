"""R-CERT-1: quotas per certificate and major; a declared number that does not match the
candidates enrolled is flagged, and majors follow the code list in use (R-CERT-13)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client

from certification.models import Quota
from tests import certification_world
from tests.personas import PASSWORD

if TYPE_CHECKING:
    from tests.personas import Personas


@pytest.fixture
def world(personas: Personas) -> certification_world.World:
    return certification_world.build(personas)


def client_for(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_a_quota_that_does_not_match_enrolment_is_flagged(world, personas):
    sam = client_for("sam")
    data = {
        "institution": world.institution.pk,
        "certificate": world.certificate.pk,
        "major": world.major.pk,
        "declared": 2,
    }
    assert sam.post("/cert/quotas/", data).status_code == 302
    certification_world.verified_candidate(world, 901, "甲", personas.site)
    page = sam.get("/cert/quotas/").content.decode()
    assert 'class="mismatch"' in page
    certification_world.verified_candidate(world, 902, "乙", personas.site)
    assert 'class="mismatch"' not in sam.get("/cert/quotas/").content.decode()
    assert Quota.objects.with_enrolled().get().enrolled == 2  # type: ignore[attr-defined]


def test_a_site_declares_only_for_its_institution_and_the_list_in_use(world):
    sam = client_for("sam")
    other = {
        "institution": world.other_institution.pk,
        "certificate": world.certificate.pk,
        "major": world.major.pk,
        "declared": 5,
    }
    assert sam.post("/cert/quotas/", other).status_code == 400
    old = {
        "institution": world.institution.pk,
        "certificate": world.certificate.pk,
        "major": world.old_major.pk,
        "declared": 5,
    }
    assert sam.post("/cert/quotas/", old).status_code == 400
    assert not Quota.objects.exists()
    assert "第一化工" not in client_for("olga").get("/cert/quotas/").content.decode()
