"""The import page checks an uploaded file first (a dry run whose report is shown), imports only
on confirmation, and imports nothing from a bad file. The check and the import run as background
jobs: the page sends the administrator to the job page, which shows the report once a worker
(here ``jobs.services.run``, what the worker runs) has read the file."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from openpyxl import load_workbook

from audit.models import AuditEntry
from jobs import services
from jobs.models import BackgroundJob
from questionbank import spreadsheet
from questionbank.models import Subject
from tests import qbank_builders as build
from tests.personas import PASSWORD, Personas


@pytest.fixture
def oscar(personas: Personas) -> Client:
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    return client


@pytest.fixture
def subject(personas: Personas) -> Subject:
    return Subject.objects.create(code="00015", name="英语（二）")


def post_upload(client: Client, subject: Subject, data: bytes, name: str = "题库.xlsx") -> Any:
    return client.post(
        f"/questionbank/{subject.code}/import/",
        {"action": "check", "file": SimpleUploadedFile(name, data)},
    )


def finished_job_page(client: Client, response: Any) -> Any:
    """Run the job the response redirected to, as the worker would, and show its page."""
    assert response.status_code == 302
    job = BackgroundJob.objects.latest("pk")
    assert response["Location"] == f"/jobs/{job.pk}/"
    services.run(job.pk)
    return client.get(response["Location"])


def upload(client: Client, subject: Subject, data: bytes, name: str = "题库.xlsx") -> Any:
    return finished_job_page(client, post_upload(client, subject, data, name))


def confirm(client: Client, subject: Subject, token: str) -> Any:
    return client.post(
        f"/questionbank/{subject.code}/import/", {"action": "confirm", "token": token}
    )


def token_of(response: Any) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "no confirmation form"
    return match.group(1)


def test_a_checked_file_is_previewed_then_imported_on_confirmation(
    oscar: Client, subject: Subject
) -> None:
    preview = upload(oscar, subject, spreadsheet.build_template())
    assert preview.status_code == 200
    assert preview.context["report"].counts()["fill_in"] == 1
    assert not subject.questions.exists()  # a preview writes nothing

    confirmed = finished_job_page(oscar, confirm(oscar, subject, token_of(preview)))
    assert 'data-code="imported"' in confirmed.content.decode()
    assert "题库.xlsx" in confirmed.content.decode()
    assert f'href="/questionbank/{subject.code}/"' in confirmed.content.decode()
    assert subject.questions.count() == 5
    entry = AuditEntry.objects.get(action="questionbank.imported")
    assert entry.actor_label == "oscar" and entry.data["file"] == "题库.xlsx"


def test_confirming_twice_imports_once(oscar: Client, subject: Subject) -> None:
    token = token_of(upload(oscar, subject, spreadsheet.build_template()))
    finished_job_page(oscar, confirm(oscar, subject, token))
    again = confirm(oscar, subject, token)
    assert again.status_code == 302
    assert again["Location"] == f"/questionbank/{subject.code}/import/"
    assert subject.questions.count() == 5


def test_another_administrator_cannot_confirm_someone_elses_upload(
    oscar: Client, subject: Subject
) -> None:
    from accounts.models import User

    User.objects.create_superuser("root", password=PASSWORD)
    root = Client()
    root.login(username="root", password=PASSWORD)
    token = token_of(upload(oscar, subject, spreadsheet.build_template()))
    root.post(f"/questionbank/{subject.code}/import/", {"action": "confirm", "token": token})
    assert not subject.questions.exists()


def test_a_bad_file_shows_every_problem_with_its_position_and_no_confirmation(
    oscar: Client, subject: Subject
) -> None:
    data = build.xlsx(
        [
            ["单选题", "好", "甲", "乙", None, None, None, None, "A"],
            ["多选题", "坏", "甲", "乙", None, None, None, None, "AZ"],
        ]
    )
    response = upload(oscar, subject, data)
    page = response.content.decode()
    assert response.status_code == 200
    issues = response.context["report"].issues
    assert [(i.row, i.column) for i in issues] == [(3, "I")]
    assert issues[0].position in page
    assert 'name="token"' not in page
    assert not subject.questions.exists()


def test_a_file_that_is_neither_xlsx_nor_moodle_xml_gets_a_clear_error(
    oscar: Client, subject: Subject
) -> None:
    response = upload(oscar, subject, "题型,题干\n".encode(), "questions.csv")
    assert response.status_code == 200
    assert len(response.context["report"].issues) == 1


def test_uploading_without_a_file_is_a_form_error(oscar: Client, subject: Subject) -> None:
    response = oscar.post(f"/questionbank/{subject.code}/import/", {"action": "check"})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


@override_settings(QUESTIONBANK_IMPORT_MAX_BYTES=1024)
def test_a_file_over_the_size_limit_is_refused(oscar: Client, subject: Subject) -> None:
    response = post_upload(oscar, subject, b"PK\x03\x04" + b"0" * 2000)
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_an_expired_or_forged_token_imports_nothing(oscar: Client, subject: Subject) -> None:
    response = oscar.post(
        f"/questionbank/{subject.code}/import/", {"action": "confirm", "token": "forged"}
    )
    assert response.status_code == 302
    assert not subject.questions.exists()


def test_the_template_download_is_the_xlsx_with_its_example_rows(oscar: Client) -> None:
    response = oscar.get("/questionbank/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "单选题",
        "多选题",
        "判断题",
        "填空题",
        "简答题",
    ]


def test_imports_are_rate_limited_per_administrator(oscar: Client, subject: Subject) -> None:
    data = build.xlsx([["简答题", "问", None, None, None, None, None, None, ""]])
    statuses = [post_upload(oscar, subject, data).status_code for _ in range(21)]
    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429


def test_a_moodle_file_with_a_bad_question_shows_its_index_and_name(
    oscar: Client, subject: Subject
) -> None:
    data = (
        '<?xml version="1.0"?><quiz>'
        '<question type="essay"><name><text>好题</text></name>'
        "<questiontext><text>论述。</text></questiontext></question>"
        '<question type="matching"><name><text>连线题</text></name></question>'
        "</quiz>"
    ).encode()
    response = upload(oscar, subject, data, "moodle.xml")
    assert response.status_code == 200
    [issue] = response.context["report"].issues
    assert (issue.index, issue.name) == (2, "连线题")
    assert "连线题" in response.content.decode()
    assert not subject.questions.exists()
