"""The project's own error pages, in the reader's language: "page not found" (also under
DEBUG, as ``make run`` has it: a bad public certificate link), "not allowed", a form sent with
an out-of-date CSRF token, and the server error page (in both languages at once)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from core.views import server_error
from tests.personas import PASSWORD, Personas

pytestmark = pytest.mark.django_db

LANGUAGES = [
    ("zh-hans", "页面不存在", "无权访问", "页面已过期"),
    ("en", "Page not found", "Not allowed", "The page is out of date"),
]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(("language", "not_found", "_forbidden", "_stale"), LANGUAGES)
def test_a_missing_page_and_a_bad_certificate_link_get_the_projects_page(
    settings, debug: bool, language: str, not_found: str, _forbidden: str, _stale: str
) -> None:
    settings.DEBUG = debug
    settings.DEBUG_OWN_ERROR_PAGES = True
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    for path in ("/no/such/page/", "/cert/verify/not-a-token/"):
        response = client.get(path)
        body = response.content.decode()
        assert response.status_code == 404, path
        assert not_found in body, (path, body[:300])
        assert "DEBUG = True" not in body and "URLconf" not in body
    # A path missing its slash is still redirected to the page that has it.
    assert client.get("/exam/sign-in").status_code == 301


def test_djangos_technical_page_stays_available_to_developers(settings) -> None:
    settings.DEBUG = True
    settings.DEBUG_OWN_ERROR_PAGES = False
    assert "URLconf" in Client().get("/no/such/page/").content.decode()


@pytest.mark.parametrize(("language", "_not_found", "forbidden", "_stale"), LANGUAGES)
def test_a_page_the_account_may_not_open_says_so_in_its_language(
    personas: Personas, language: str, _not_found: str, forbidden: str, _stale: str
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.login(username="paula", password=PASSWORD)
    response = client.get("/cert/")
    assert response.status_code == 403
    assert forbidden in response.content.decode()


@pytest.mark.parametrize(("language", "_not_found", "_forbidden", "stale"), LANGUAGES)
def test_a_form_with_an_out_of_date_token_gets_the_projects_page(
    language: str, _not_found: str, _forbidden: str, stale: str
) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    response = client.post("/exam/sign-in/", {"id_number": "x", "passcode": "y"})
    body = response.content.decode()
    assert response.status_code == 403
    assert stale in body and "CSRF" not in body


def test_the_server_error_page_speaks_both_languages() -> None:
    response = server_error(RequestFactory().get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "服务器出错了" in body and "Server error" in body
