"""Safe Exam Browser (R-EXAM-7): an exam that requires it accepts only requests that carry the
right SHA-256(URL + key) header. The expected hashes below were computed outside the code under
test (``printf '%s' URLKEY | sha256sum``)."""

from __future__ import annotations

from django.test import Client, RequestFactory

from exams import seb
from exams.models import Attempt, Exam
from tests.personas import Personas

CONFIG_KEY = "cfg-key-0001"
INFO_URL_HASH = "49c9b7dfe4bfcac118ddea4454a632b69a22aaf86621569f970ddaa67e58a5ce"
BROWSER_KEY = "bek-9f2"
API_URL_HASH = "c5ea09503b8d8397f6a7501139b832592fd67a057a1cf6466e67048e479801ff"


def require_seb(personas: Personas) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(
        requires_seb=True, seb_config_keys=f"{CONFIG_KEY}\n", seb_browser_exam_keys=BROWSER_KEY
    )


def test_the_hash_is_sha256_of_url_and_key() -> None:
    assert seb.expected_hash("http://testserver/exam/info/", CONFIG_KEY) == INFO_URL_HASH
    assert seb.expected_hash("http://testserver/api/exam/attempts/1", BROWSER_KEY) == API_URL_HASH


def test_a_request_with_the_config_key_hash_is_allowed(personas: Personas) -> None:
    require_seb(personas)
    personas.formal.refresh_from_db()
    request = RequestFactory().get(
        "/exam/info/", HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH=INFO_URL_HASH
    )
    assert seb.request_allowed(request, personas.formal)
    upper = RequestFactory().get(
        "/exam/info/", HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH=INFO_URL_HASH.upper()
    )
    assert seb.request_allowed(upper, personas.formal)


def test_a_hash_for_another_url_is_refused(personas: Personas) -> None:
    require_seb(personas)
    personas.formal.refresh_from_db()
    request = RequestFactory().get(
        "/exam/answer/", HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH=INFO_URL_HASH
    )
    assert not seb.request_allowed(request, personas.formal)


def test_pages_of_an_seb_exam_refuse_a_normal_browser(
    personas: Personas, carol_client: Client
) -> None:
    require_seb(personas)
    response = carol_client.get("/exam/")
    assert response.status_code == 403
    assert "Safe Exam Browser" in response.content.decode()
    assert not Attempt.objects.exists()


def test_the_pages_accept_seb(personas: Personas, carol_client: Client) -> None:
    require_seb(personas)
    carol_client.get(
        "/exam/",
        HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH=seb.expected_hash(
            "http://testserver/exam/", CONFIG_KEY
        ),
    )
    response = carol_client.get("/exam/info/", HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH=INFO_URL_HASH)
    assert response.status_code == 200


def test_the_api_of_an_seb_exam_needs_the_request_hash(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    require_seb(personas)
    url = f"/api/exam/attempts/{carol_attempt.pk}"
    assert carol_client.get(url).status_code == 403
    good = seb.expected_hash(f"http://testserver{url}", BROWSER_KEY)
    assert carol_client.get(url, HTTP_X_SAFEEXAMBROWSER_REQUESTHASH=good).status_code == 200
