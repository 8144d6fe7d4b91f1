"""R-CERT-2, R-CERT-4 through the screens a site worker uses: upload with the row report,
the list with search, filters and export, batch verification and manual confirmation; a site
administrator sees only their institution's candidates."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from candidates.models import Candidate
from candidates.statuses import Verification
from tests import certification_world
from tests.certification_world import id_number, xlsx
from tests.personas import PASSWORD

if TYPE_CHECKING:
    from tests.personas import Personas


@pytest.fixture
def world(personas: Personas) -> certification_world.World:
    return certification_world.build(personas)


def staff(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def upload(client: Client, rows: Sequence[Sequence[object]], **extra: str) -> Any:
    """Upload, run the queued import job as the worker would, and return its page."""
    from jobs import services

    response = client.post(
        "/candidates/import/",
        {"file": SimpleUploadedFile("c.xlsx", xlsx(rows)), **extra},
    )
    assert response.status_code == 302
    services.run(int(response["Location"].strip("/").split("/")[-1]))
    return client.get(response["Location"])


def test_a_bad_upload_shows_the_row_report_and_imports_nothing(world):
    valid = id_number(700)
    rows = [
        ["甲", valid, "13800138000", "HGJL-M", "470201"],
        ["乙", valid, "13800138001", "HGJL-M", "470201"],
    ]
    response = upload(staff("sam"), rows)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-code="duplicate_in_file"' in page and "<td>3</td>" in page
    assert not Candidate.objects.filter(institution=world.institution).exists()

    response = upload(staff("sam"), rows, valid_only="on")
    assert Candidate.objects.filter(institution=world.institution).count() == 1


def test_the_list_is_scoped_searchable_and_exports(world):
    upload(staff("sam"), [["王小明", id_number(701), "13800138000", "HGJL-M", "470201"]])
    assert (
        "王小明"
        in staff("sam")
        .post("/candidates/", {"search": "1", "q": "王"}, follow=True)
        .content.decode()
    )
    assert "王小明" not in staff("olga").get("/candidates/").content.decode()
    assert "王小明" in staff("oscar").get("/candidates/?state=pending").content.decode()
    assert "王小明" not in staff("oscar").get("/candidates/?state=verified").content.decode()
    export = staff("sam").get("/candidates/export.xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    assert [c.value for c in sheet[2]][:2] == ["王小明", id_number(701)]
    assert staff("paula").get("/candidates/").status_code == 403


def test_batch_verification_then_manual_confirmation(world):
    upload(staff("sam"), [["王小明", id_number(702), "13800138000", "HGJL-M", "470201"]])
    candidate = Candidate.objects.get(id_number=id_number(702))
    staff("sam").post("/candidates/verify/")
    candidate.refresh_from_db()
    # No photo yet: the automatic checks fail and the record needs a person to look at it.
    assert candidate.verification == Verification.NEEDS_MANUAL
    assert candidate.verification_note == "no_photo"
    assert "王小明" in staff("sam").get("/candidates/manual/").content.decode()

    staff("olga").post("/candidates/manual/", {"ids": [candidate.pk], "reason": "checked"})
    candidate.refresh_from_db()
    assert candidate.verification == Verification.NEEDS_MANUAL  # not olga's candidate

    staff("sam").post("/candidates/manual/", {"ids": [candidate.pk], "reason": "checked"})
    candidate.refresh_from_db()
    assert candidate.verification == Verification.VERIFIED


def test_the_template_downloads(world):
    response = staff("sam").get("/candidates/template.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).worksheets[0]["B1"].value == "身份证号"
