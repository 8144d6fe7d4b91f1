"""R-CERT-5…7: an institution applies to become an exam site, the organisation approves or
rejects with a reason; sites record proctors and evaluators and set up rooms once approved."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client

from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEntry
from centres.models import Room, Site, StaffMember
from centres.statuses import SiteStatus
from tests import certification_world
from tests.personas import PASSWORD, staff

if TYPE_CHECKING:
    from tests.personas import Personas


def client_for(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def applicant(personas: Personas):
    certification_world.build(personas)
    client_for("oscar").post(
        "/cert/institutions/", {"code": "I9", "name": "第九职业技术学院", "province": "河北"}
    )
    site = Site.objects.get(institution__code="I9")
    assert site.status == SiteStatus.DRAFT
    staff("ivy", Role.SITE_ADMIN, site)
    return site


def test_an_institution_applies_and_is_rejected_with_a_reason_then_approved(applicant):
    ivy, oscar = client_for("ivy"), client_for("oscar")
    ivy.post(
        f"/sites/{applicant.pk}/rooms/",
        {"code": "R1", "name": "一号", "kind": "physical", "capacity": 30},
    )
    assert not Room.objects.filter(site=applicant).exists()  # not a site yet

    ivy.post(
        f"/sites/{applicant.pk}/apply/", {"application": "考评人员 6 名，机房 2 间，120 台电脑"}
    )
    applicant.refresh_from_db()
    assert applicant.status == SiteStatus.APPLIED

    oscar.post(f"/sites/{applicant.pk}/review/", {"decision": "reject", "reason": ""})
    applicant.refresh_from_db()
    assert applicant.status == SiteStatus.APPLIED  # a rejection needs a reason
    oscar.post(f"/sites/{applicant.pk}/review/", {"decision": "reject", "reason": "机房不足"})
    applicant.refresh_from_db()
    assert (applicant.status, applicant.review_reason) == (SiteStatus.REJECTED, "机房不足")
    assert "机房不足" in ivy.get(f"/sites/{applicant.pk}/").content.decode()

    ivy.post(f"/sites/{applicant.pk}/apply/", {"application": "新增机房 1 间"})
    oscar.post(f"/sites/{applicant.pk}/review/", {"decision": "approve", "reason": ""})
    applicant.refresh_from_db()
    assert applicant.status == SiteStatus.APPROVED
    assert list(
        AuditEntry.objects.filter(target_id=str(applicant.pk), action__startswith="site.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["site.applied", "site.rejected", "site.applied", "site.approved"]

    ivy.post(
        f"/sites/{applicant.pk}/rooms/",
        {"code": "R1", "name": "一号", "kind": "online", "capacity": 40},
    )
    assert Room.objects.get(site=applicant).capacity == 40


def test_a_site_cannot_review_itself_and_nobody_sees_another_site(applicant, personas):
    client_for("ivy").post(f"/sites/{applicant.pk}/apply/", {"application": "x"})
    assert (
        client_for("ivy")
        .post(f"/sites/{applicant.pk}/review/", {"decision": "approve"})
        .status_code
        == 403
    )
    assert client_for("olga").get(f"/sites/{applicant.pk}/").status_code == 404
    assert (
        client_for("olga")
        .post(f"/sites/{applicant.pk}/staff/", {"kind": "proctor", "name": "X"})
        .status_code
        == 404
    )


def test_sites_record_proctors_and_evaluators_and_bad_input_is_refused(personas):
    sam = client_for("sam")
    sam.post(
        f"/sites/{personas.site.pk}/staff/",
        {"kind": "evaluator", "name": "陈老师", "phone": "13900000000"},
    )
    sam.post(
        f"/sites/{personas.site.pk}/staff/",
        {"kind": "proctor", "name": "李老师", "id_number": "123"},
    )
    assert list(StaffMember.objects.values_list("name", flat=True)) == ["陈老师"]
    sam.post(
        f"/sites/{personas.site.pk}/rooms/",
        {"code": "A", "name": "dup", "kind": "online", "capacity": 10},
    )
    sam.post(
        f"/sites/{personas.site.pk}/rooms/",
        {"code": "Z", "name": "big", "kind": "online", "capacity": 0},
    )
    assert Room.objects.filter(site=personas.site).count() == 2  # room A and B of the personas
    assert User.objects.filter(username="sam").exists()
