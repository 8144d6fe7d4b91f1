"""Words with two meanings take the one their page needs (``pgettext``): the name of a site,
room, plan, certificate or session is 名称, a person's is 姓名; a report or request is submitted
at 提交时间, an exam paper at 交卷时间."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from certification.forms import SessionForm
from inspections.models import SelfInspectionReport
from support.models import MakeupRequest
from tests import certification_world
from tests.personas import PASSWORD, Personas

pytestmark = pytest.mark.django_db


def headers(html: str) -> list[str]:
    return re.findall(r'<th scope="col">([^<]*)</th>', html)


def test_lists_of_things_head_their_name_column_with_mingcheng(personas: Personas) -> None:
    certification_world.build(personas)
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    for path in ("/sites/", "/cert/plans/", "/cert/institutions/", "/cert/catalogue/"):
        found = headers(client.get(path).content.decode())
        assert "名称" in found and "姓名" not in found, (path, found)
    site = client.get(f"/sites/{personas.site.pk}/").content.decode()
    rooms = site.split("<table", 2)[1]
    assert "名称" in headers(rooms) and "姓名" not in headers(rooms)
    assert str(SessionForm().fields["name"].label) == "名称"


def test_a_person_keeps_xingming(personas: Personas) -> None:
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    assert "姓名" in headers(client.get("/candidates/").content.decode())


def test_reports_and_requests_are_submitted_not_handed_in() -> None:
    for model, field in ((SelfInspectionReport, "submitted_at"), (MakeupRequest, "created_at")):
        found = model._meta.get_field(field)
        assert str(getattr(found, "verbose_name", "")) == "提交时间"
