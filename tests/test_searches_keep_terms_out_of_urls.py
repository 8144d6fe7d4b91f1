"""Searches by ID number or phone never put the term in a URL (issue #14): the staff lists take
it by POST with CSRF and keep it in the session (Post/Redirect/Get); pagination and reloads keep
it; an old ``?q=`` address is moved out of the URL; the public certificate query is a POST."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from candidates.models import Candidate
from tests import personas as personas_module
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_candidate_search_posts_the_id_number_and_the_page_keeps_it(
    personas: Personas,
) -> None:
    sam = signed_in(personas.sam)
    number = personas.carol.id_number
    response = sam.post("/candidates/", {"search": "1", "q": number, "state": "pending"})
    assert response.status_code == 302
    assert response["Location"] == "/candidates/?state=pending"
    assert number not in response["Location"]
    page = sam.get(response["Location"]).content.decode()
    assert personas.carol.name in page and personas.dave.name not in page
    assert f'value="{number}"' in page  # the box shows the term, from the session
    # The term is in no link of the page (pagination builds on the GET parameters only).
    assert not re.search(rf'href="[^"]*{number}', page)
    # A reload, or page 1 by number, still filters.
    again = sam.get("/candidates/?page=1").content.decode()
    assert personas.carol.name in again and personas.dave.name not in again
    # An empty search clears it.
    sam.post("/candidates/", {"search": "1", "q": ""})
    everyone = sam.get("/candidates/").content.decode()
    assert personas.carol.name in everyone and personas.dave.name in everyone


def test_a_search_by_phone_is_posted_too(personas: Personas) -> None:
    Candidate.objects.filter(pk=personas.dave.pk).update(phone="13912345678")
    sam = signed_in(personas.sam)
    page = sam.post("/candidates/", {"search": "1", "q": "13912345678"}, follow=True)
    assert page.redirect_chain == [("/candidates/", 302)]
    text = page.content.decode()
    assert personas.dave.name in text and personas.carol.name not in text


def test_pagination_keeps_the_term_without_carrying_it(personas: Personas) -> None:
    for n in range(60):  # 60 matching "Erin" beyond one page of 50
        personas_module.candidate(f"1101051998{n:07d}", f"Erin {n:02d}", personas.site)
    sam = signed_in(personas.sam)
    first = sam.post("/candidates/", {"search": "1", "q": "Erin"}, follow=True).content.decode()
    assert 'href="?page=2"' in first and "Erin" not in re.findall(r'href="\?[^"]*"', first)[0]
    second = sam.get("/candidates/?page=2").content.decode()
    assert "Erin 5" in second and personas.carol.name not in second


def test_an_old_address_with_the_term_is_moved_out_of_the_url(personas: Personas) -> None:
    sam = signed_in(personas.sam)
    number = personas.carol.id_number
    moved = sam.get(f"/support/attempts/?q={number}&status=answering&page=2")
    assert moved.status_code == 302
    assert number not in moved["Location"]
    assert moved["Location"] == "/support/attempts/?status=answering&page=2"
    assert 'value="' + number + '"' in sam.get("/support/attempts/").content.decode()


def test_a_search_post_needs_the_csrf_token(personas: Personas) -> None:
    sam = Client(enforce_csrf_checks=True)
    sam.force_login(personas.sam)
    assert sam.post("/candidates/", {"search": "1", "q": "Carol"}).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/candidates/",
        "/support/",
        "/support/attempts/",
        "/support/makeup/",
        "/support/device-checks/",
        "/vision/staff/faces/",
    ],
)
def test_every_candidate_search_form_posts(personas: Personas, path: str) -> None:
    page = signed_in(personas.sam).get(path)
    assert page.status_code == 200, path
    form = re.search(
        r'<form method="(\w+)"[^>]*>(?:(?!</form>).)*name="q"', page.content.decode(), re.S
    )
    assert form is not None and form.group(1) == "post", path
    term = personas.carol.id_number
    searched = signed_in(personas.sam).post(path, {"search": "1", "q": term})
    assert searched.status_code == 302 and term not in searched["Location"], path


def test_the_plan_and_passcode_pages_search_by_post(personas: Personas) -> None:
    from exams.models import Exam

    sam = signed_in(personas.sam)
    exam = Exam.objects.get(pk=personas.formal.pk)
    path = f"/support/passcodes/{exam.pk}/"
    term = personas.carol.id_number
    searched = sam.post(path, {"search": "1", "q": term, "status": ""})
    assert searched.status_code == 302 and searched["Location"] == path
    assert f'value="{term}"' in sam.get(path).content.decode()

    from tests import certification_world

    plan = certification_world.plan(certification_world.build(personas), "scheduling")
    oscar = signed_in(personas.oscar)
    plan_path = f"/cert/plans/{plan.pk}/"
    searched = oscar.post(plan_path, {"search": "1", "q": term})
    assert searched.status_code == 302 and searched["Location"] == plan_path
    assert f'value="{term}"' in oscar.get(plan_path).content.decode()


def test_the_public_certificate_query_is_a_post() -> None:
    page = Client().get("/cert/query/").content.decode()
    assert re.search(
        r'<form method="post"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"', page
    )
    assert 'name="id_number"' in page
