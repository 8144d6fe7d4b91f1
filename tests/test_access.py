"""Who may see which rooms and attempts, and the console pages that rely on it."""

from __future__ import annotations

import pytest
from django.test import Client

from centres.models import Room
from exams.models import Attempt
from tests.personas import Personas


@pytest.mark.parametrize(
    ("who", "rooms"),
    [
        ("paula", {"A"}),
        ("pete", {"B"}),
        ("sam", {"A", "B"}),
        ("oscar", {"A", "B"}),
        ("olga", set()),
        ("ingrid", set()),
    ],
)
def test_each_person_sees_their_rooms(personas: Personas, who: str, rooms: set[str]) -> None:
    visible = Room.objects.visible_to(getattr(personas, who))
    assert {room.code for room in visible} == rooms


def test_candidates_see_no_rooms(personas: Personas) -> None:
    assert not Room.objects.visible_to(personas.carol.user).exists()


def test_a_proctor_sees_only_the_attempts_of_their_rooms(
    personas: Personas, carol_attempt: Attempt
) -> None:
    assert list(Attempt.objects.visible_to_staff(personas.paula)) == [carol_attempt]
    assert not Attempt.objects.visible_to_staff(personas.pete).exists()
    assert not Attempt.objects.visible_to_staff(personas.olga).exists()
    assert not Attempt.objects.visible_to_staff(personas.carol.user).exists()


def test_a_candidate_sees_only_their_own_attempts(
    personas: Personas, carol_attempt: Attempt
) -> None:
    assert list(Attempt.objects.of_candidate(personas.carol.user)) == [carol_attempt]
    assert not Attempt.objects.of_candidate(personas.dave.user).exists()


def test_a_deactivated_proctor_sees_nothing(personas: Personas) -> None:
    personas.paula.is_active = False
    assert not Room.objects.visible_to(personas.paula).exists()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_console_lists_only_the_proctors_rooms(personas: Personas) -> None:
    page = logged_in(personas.paula).get("/proctor/").content.decode()
    assert "Room A" in page and "Room B" not in page


def test_a_proctor_cannot_open_another_rooms_console(personas: Personas) -> None:
    assert logged_in(personas.paula).get(f"/proctor/rooms/{personas.room_b.pk}/").status_code == 404
    assert logged_in(personas.paula).get(f"/proctor/rooms/{personas.room_a.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["ingrid"])
def test_inspectors_have_no_proctor_console(personas: Personas, who: str) -> None:
    assert logged_in(getattr(personas, who)).get("/proctor/").status_code == 403


def test_candidates_have_no_proctor_console(personas: Personas, carol_client: Client) -> None:
    assert carol_client.get("/proctor/").status_code == 403


def test_staff_cannot_open_the_candidate_exam_page(personas: Personas) -> None:
    assert logged_in(personas.paula).get("/exam/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(db: None) -> None:
    response = Client().get("/proctor/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/?next=")


def test_the_error_pages_say_what_to_do(personas: Personas, carol_client: Client) -> None:
    forbidden = carol_client.get("/proctor/")
    assert "管理员" in forbidden.content.decode()  # "ask your exam-site administrator"
    missing = carol_client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "首页" in missing.content.decode()
