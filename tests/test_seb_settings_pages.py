"""The staff page of an exam's Safe Exam Browser settings, end to end: staff reach it from the
exam's passcode page, generate or upload the configuration, candidates get the launch link
outside SEB, and SEB's header for the derived Config Key lets them in."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit.models import AuditEntry
from exams import seb, seb_files
from exams.models import Exam, SebConfigSource
from tests.personas import Personas

FIXTURES = Path(__file__).parent / "fixtures" / "seb"
ALL_TYPES = (FIXTURES / "all_types.seb").read_bytes()
ALL_TYPES_KEY = "f49329183c8799fde0afb5f655b0a9a34e9b483fa66e3b22808fd7daab69e009"
pytestmark = pytest.mark.usefixtures("english")

BEK = "5f0e3c5a0b1f6f2d2b9b1c8f4e7a6d5c4b3a291807f6e5d4c3b2a19080706050"


def link(page: str, element_id: str) -> str:
    """The href of the link with ``element_id`` on ``page``."""
    found = re.search(rf'id="{element_id}" href="([^"]+)"', page)
    assert found, f"no #{element_id} link on the page"
    return found.group(1)


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def seb_page(exam: Exam) -> str:
    return f"/exam/staff/exams/{exam.pk}/seb/"


def generated_post(**extra) -> dict:
    return {
        "requires_seb": "on",
        "source": SebConfigSource.GENERATED,
        "allow_quit": "on",
        "quit_password": "",
        "browser_exam_keys": "",
        **extra,
    }


def test_staff_reach_the_page_from_the_exam_they_already_see(personas: Personas) -> None:
    client = staff_client(personas.sam)
    passcodes = client.get(f"/support/passcodes/{personas.formal.pk}/")
    assert seb_page(personas.formal) in passcodes.content.decode()
    page = client.get(seb_page(personas.formal))
    assert page.status_code == 200
    assert "Safe Exam Browser" in page.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("sam", 200), ("oscar", 200), ("olga", 404), ("paula", 403), ("ingrid", 403)],
)
def test_only_the_exam_centre_and_the_organisation_see_it(
    personas: Personas, who: str, status: int
) -> None:
    client = staff_client(getattr(personas, who))
    assert client.get(seb_page(personas.formal)).status_code == status
    assert client.post(seb_page(personas.formal), generated_post()).status_code in (
        {302} if status == 200 else {status}
    )


def test_a_candidate_cannot_open_it(personas: Personas, carol_client: Client) -> None:
    assert carol_client.get(seb_page(personas.formal)).status_code == 403


def test_a_generated_configuration_lets_seb_in_and_keeps_a_normal_browser_out(
    personas: Personas, carol_client: Client
) -> None:
    staff = staff_client(personas.sam)
    response = staff.post(seb_page(personas.formal), generated_post(quit_password="let me out"))
    assert response.status_code == 302
    exam = Exam.objects.get(pk=personas.formal.pk)
    assert exam.requires_seb
    key = exam.keys("seb_config_keys")[0]
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    entry = AuditEntry.objects.get(action="exam.seb_settings_changed")
    assert entry.actor == personas.sam
    assert entry.data["config_key"] == key
    assert "let me out" not in str(entry.data)

    page = staff.get(seb_page(exam)).content.decode()
    assert key in page
    download = link(page, "seb-download")
    launch = link(page, "seb-launch")
    assert launch == "seb://" + download.split("://", 1)[1]

    # SEB downloads the file with no session of its own.
    raw = Client().get(download).content
    settings = seb_files.read_settings(raw)
    assert settings["startURL"] == "http://testserver/exam/sign-in/"
    assert settings["quitURL"] == "http://testserver/exam/seb/quit/"
    assert settings["sendBrowserExamKey"] is True
    assert settings["allowVideoCapture"] is True
    assert settings["hashedQuitPassword"] == seb_files.hashed_password("let me out")
    assert seb_files.config_key_of_file(raw) == key

    # Outside SEB the candidate is told how to open the exam in it.
    outside = carol_client.get("/exam/")
    assert outside.status_code == 403
    assert f'href="{launch}"' in outside.content.decode()
    # A header for another configuration is refused.
    other = key[:-1] + ("1" if key.endswith("0") else "0")
    tampered = seb.expected_hash("http://testserver/exam/", other)
    refused = carol_client.get("/exam/", HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH=tampered)
    assert refused.status_code == 403
    # SEB's header for this configuration is accepted.
    good = seb.expected_hash("http://testserver/exam/", key)
    inside = carol_client.get("/exam/", HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH=good)
    assert inside.status_code == 302
    info = inside.headers["Location"]
    assert (
        carol_client.get(
            info,
            HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH=seb.expected_hash(f"http://testserver{info}", key),
        ).status_code
        == 200
    )


def test_over_https_the_launch_link_is_sebs(personas: Personas) -> None:
    staff = staff_client(personas.oscar)
    staff.post(seb_page(personas.formal), generated_post(), secure=True)
    page = staff.get(seb_page(personas.formal), secure=True).content.decode()
    assert 'id="seb-launch" href="sebs://testserver/exam/seb/' in page
    raw = Exam.objects.get(pk=personas.formal.pk).seb_config_file
    assert seb_files.read_settings(bytes(raw))["startURL"].startswith("https://")


def test_an_uploaded_file_is_served_as_uploaded_and_its_key_checked(
    personas: Personas, carol_client: Client
) -> None:
    staff = staff_client(personas.sam)
    upload = gzip.compress(b"plnd" + gzip.compress(ALL_TYPES))
    response = staff.post(
        seb_page(personas.formal),
        generated_post(
            source=SebConfigSource.UPLOADED,
            config_file=SimpleUploadedFile("centre.seb", upload),
            browser_exam_keys=BEK.upper() + "\n\n" + BEK,
        ),
    )
    assert response.status_code == 302
    exam = Exam.objects.get(pk=personas.formal.pk)
    assert exam.keys("seb_config_keys") == [ALL_TYPES_KEY]
    assert exam.keys("seb_browser_exam_keys") == [BEK]
    assert bytes(exam.seb_config_file) == upload
    page = staff.get(seb_page(exam)).content.decode()
    assert ALL_TYPES_KEY in page and "centre.seb" in page
    download = link(page, "seb-download")
    assert Client().get(download).content == upload
    good = seb.expected_hash("http://testserver/exam/", ALL_TYPES_KEY)
    assert carol_client.get("/exam/", HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH=good).status_code == 302
    # Saving again without a new file keeps the upload.
    again = staff.post(seb_page(exam), generated_post(source=SebConfigSource.UPLOADED))
    assert again.status_code == 302
    assert bytes(Exam.objects.get(pk=exam.pk).seb_config_file) == upload


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (gzip.compress(b"pswd" + os.urandom(300)), "encrypted with a password"),
        (gzip.compress(b"phsk" + os.urandom(300)), "encrypted with a certificate"),
        (b"\x89PNG\r\n\x1a\n" + os.urandom(50), "not a Safe Exam Browser configuration"),
        (ALL_TYPES[:300], "damaged"),
    ],
)
def test_a_refused_upload_saves_nothing(personas: Personas, raw: bytes, message: str) -> None:
    staff = staff_client(personas.sam)
    before = Exam.objects.values().get(pk=personas.formal.pk)
    response = staff.post(
        seb_page(personas.formal),
        generated_post(
            source=SebConfigSource.UPLOADED,
            config_file=SimpleUploadedFile("exam.seb", raw),
            browser_exam_keys=BEK,
        ),
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Exam.objects.values().get(pk=personas.formal.pk) == before
    assert not AuditEntry.objects.filter(action="exam.seb_settings_changed").exists()


def test_uploaded_without_a_file_is_refused(personas: Personas) -> None:
    staff = staff_client(personas.sam)
    response = staff.post(seb_page(personas.formal), generated_post(source="uploaded"))
    assert response.status_code == 400
    assert "Choose the .seb file" in response.content.decode()
    assert not Exam.objects.get(pk=personas.formal.pk).requires_seb


def test_a_wrong_browser_exam_key_is_refused(personas: Personas) -> None:
    staff = staff_client(personas.sam)
    response = staff.post(seb_page(personas.formal), generated_post(browser_exam_keys="not-a-key"))
    assert response.status_code == 400
    assert "not browser exam keys" in response.content.decode()
    assert not Exam.objects.get(pk=personas.formal.pk).requires_seb


def test_a_pasted_browser_exam_key_is_accepted_on_the_api(
    personas: Personas, carol_client: Client, carol_attempt
) -> None:
    staff = staff_client(personas.sam)
    staff.post(seb_page(personas.formal), generated_post(browser_exam_keys=BEK))
    url = f"/api/exam/attempts/{carol_attempt.pk}"
    assert carol_client.get(url).status_code == 403
    good = seb.expected_hash(f"http://testserver{url}", BEK)
    assert carol_client.get(url, HTTP_X_SAFEEXAMBROWSER_REQUESTHASH=good).status_code == 200


def test_a_forged_download_address_finds_nothing(personas: Personas) -> None:
    staff_client(personas.sam).post(seb_page(personas.formal), generated_post())
    assert Client().get(f"/exam/seb/{personas.formal.pk}:forged/config.seb").status_code == 404


def test_the_quit_page_is_open_to_seb() -> None:
    assert Client().get("/exam/seb/quit/").status_code == 200
