"""A refused score sheet says which column is wrong in the reader's language (证件号码, 成绩),
never the importer's keys (``id_number``, ``score``, ``sat_online``)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from certification.models import Score
from tests import certification_world
from tests.certification_world import id_number, set_phase, xlsx
from tests.personas import PASSWORD, Personas

pytestmark = pytest.mark.django_db


def test_a_refused_score_sheet_names_its_columns_in_chinese(personas: Personas) -> None:
    world = certification_world.build(personas)
    plan = set_phase(certification_world.plan(world, "registration"), "score_entry")
    sheet = xlsx([[id_number(901), "not a number"], [id_number(902), "80"]], ["身份证号", "分数"])
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    response = client.post(
        f"/cert/plans/{plan.pk}/scores/import/", {"file": SimpleUploadedFile("s.xlsx", sheet)}
    )
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(said) == 2, said
    assert "成绩：" in said[0] and "证件号码：" in said[1], said
    for key in ("id_number", "score", "sat_online"):
        assert not any(key in line for line in said), said
    assert not Score.objects.exists()
