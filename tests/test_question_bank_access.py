"""Only the evaluation organisation (and superusers) manage question banks; everyone else gets
403, and an anonymous visitor is sent to sign in."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from questionbank.models import Subject
from tests import qbank_builders as build
from tests.personas import PASSWORD, Personas


@pytest.fixture
def subject(personas: Personas) -> Subject:
    subject = Subject.objects.create(code="00015", name="英语（二）")
    build.single(subject)
    return subject


def pages(subject: Subject) -> list[tuple[str, str]]:
    question = subject.questions.get()
    return [
        ("get", "/questionbank/"),
        ("get", "/questionbank/template.xlsx"),
        ("get", f"/questionbank/{subject.code}/"),
        ("get", f"/questionbank/{subject.code}/import/"),
        ("get", f"/questionbank/{subject.code}/export/moodle.xml"),
        ("get", f"/questionbank/{subject.code}/export/qti3.zip"),
        ("post", f"/questionbank/{subject.code}/import/"),
        ("post", f"/questionbank/questions/{question.pk}/retire/"),
        ("post", f"/questionbank/questions/{question.pk}/restore/"),
    ]


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.mark.parametrize("who", ["sam", "olga", "paula", "ingrid"])
def test_staff_other_than_the_organisation_get_403_everywhere(
    personas: Personas, subject: Subject, who: str
) -> None:
    client = signed_in(who)
    for method, url in pages(subject):
        assert getattr(client, method)(url).status_code == 403, url
    assert not subject.questions.filter(retired=True).exists()


def test_a_candidate_gets_403(personas: Personas, subject: Subject) -> None:
    from tests.conftest import candidate_client

    client = candidate_client(personas)
    assert client.get("/questionbank/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(subject: Subject) -> None:
    response = Client().get(f"/questionbank/{subject.code}/")
    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


def test_the_organisation_and_superusers_see_every_page(
    personas: Personas, subject: Subject
) -> None:
    User.objects.create_superuser("root", password=PASSWORD)
    for who in ("oscar", "root"):
        client = signed_in(who)
        for method, url in pages(subject):
            if method == "get":
                assert client.get(url).status_code == 200, (who, url)


def test_the_nav_link_shows_for_the_organisation_only(personas: Personas) -> None:
    assert "/questionbank/" in signed_in("oscar").get("/accounts/locked/").content.decode()
    assert "/questionbank/" not in signed_in("sam").get("/accounts/locked/").content.decode()


def test_an_unknown_subject_is_404(personas: Personas) -> None:
    assert signed_in("oscar").get("/questionbank/NOPE/").status_code == 404


def test_an_unknown_subject_has_no_qti_download(personas: Personas) -> None:
    assert signed_in("oscar").get("/questionbank/NOPE/export/qti3.zip").status_code == 404
