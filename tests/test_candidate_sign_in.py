"""Candidates sign in with ID number and their own passcode (R-EXAM-3, R-EMG-1, R-EMG-2).

A failure says the same whatever failed, and slows the ID number and the address down; it
never locks the candidate or ends the exam they are sitting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEntry
from exams.models import Attempt, Exam, Registration
from exams.signin import SESSION_REGISTRATION
from tests import personas as personas_module
from tests.conftest import candidate_client
from tests.personas import FORMAL_PASSCODE, TRIAL_PASSCODE, Personas


def sign_in(client: Client, id_number: str, passcode: str):
    return client.post("/exam/sign-in/", {"id_number": id_number, "passcode": passcode})


def test_it_signs_in_with_id_number_and_passcode(personas: Personas) -> None:
    client = Client()
    response = sign_in(client, personas.carol.id_number, FORMAL_PASSCODE)
    assert response.status_code == 302
    assert response["Location"] == "/exam/"
    assert (
        client.session[SESSION_REGISTRATION]
        == personas.formal.registrations.get(candidate=personas.carol).pk
    )
    assert AuditEntry.objects.filter(
        action="candidate.signed_in", actor=personas.carol.user
    ).exists()


def test_it_accepts_a_lower_case_x_and_surrounding_spaces(personas: Personas) -> None:
    personas.carol.id_number = personas.carol.id_number[:17] + "X"
    personas.carol.save()
    response = sign_in(Client(), f"  {personas.carol.id_number.lower()} ", FORMAL_PASSCODE)
    assert response.status_code == 302


def test_a_trial_passcode_opens_the_trial_not_the_formal_exam(personas: Personas) -> None:
    client = Client()
    sign_in(client, personas.carol.id_number, TRIAL_PASSCODE)
    registration_id = client.session[SESSION_REGISTRATION]
    assert personas.trial.registrations.filter(pk=registration_id).exists()
    assert not personas.formal.registrations.filter(pk=registration_id).exists()


def failure_message(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def test_an_unknown_id_number_and_a_wrong_passcode_get_the_same_answer(
    personas: Personas,
) -> None:
    unknown = sign_in(Client(), "110105199003079999", FORMAL_PASSCODE)
    wrong = sign_in(Client(), personas.carol.id_number, "WRONG-PASSCODE")
    assert unknown.status_code == wrong.status_code == 400
    assert failure_message(unknown) == failure_message(wrong)
    page = unknown.content.decode()
    assert "user does not exist" not in page and "用户不存在" not in page
    assert not Attempt.objects.exists()


def test_a_locked_account_gets_the_same_answer_as_a_wrong_passcode(personas: Personas) -> None:
    User.objects.filter(pk=personas.carol.user.pk).update(locked_at=timezone.now())
    locked = sign_in(Client(), personas.carol.id_number, FORMAL_PASSCODE)
    wrong = sign_in(Client(), personas.dave.id_number, "WRONG-PASSCODE")
    assert locked.status_code == wrong.status_code == 400
    assert failure_message(locked) == failure_message(wrong)


def test_a_registration_without_a_passcode_cannot_be_signed_in_to(personas: Personas) -> None:
    Registration.objects.filter(candidate=personas.carol).update(passcode_hash="")
    assert sign_in(Client(), personas.carol.id_number, FORMAL_PASSCODE).status_code == 400
    assert sign_in(Client(), personas.carol.id_number, "").status_code == 400


def test_a_wrong_passcode_is_refused_counted_and_writes_nothing(personas: Personas) -> None:
    client = Client()
    response = sign_in(client, personas.carol.id_number, "WRONG")
    assert response.status_code == 400
    assert SESSION_REGISTRATION not in client.session
    assert "_auth_user_id" not in client.session
    personas.carol.user.refresh_from_db()
    assert personas.carol.user.failed_logins == 1
    assert not Attempt.objects.exists()


def test_another_candidates_passcode_does_not_open_ones_own_registration(
    personas: Personas,
) -> None:
    other = personas_module.exam("OTHER", Exam.Kind.FORMAL)
    personas_module.register(other, personas.dave, personas.room_b, "OTHER-PASS-1")
    personas_module.register(other, personas.carol, personas.room_a, "CAROL-PASS-1")
    assert sign_in(Client(), personas.carol.id_number, "OTHER-PASS-1").status_code == 400
    assert sign_in(Client(), personas.carol.id_number, "CAROL-PASS-1").status_code == 302


def test_twenty_wrong_passcodes_neither_lock_the_candidate_nor_end_their_exam(
    personas: Personas, carol_attempt: Attempt
) -> None:
    carol = candidate_client(personas, "carol")
    assert carol.get("/exam/")["Location"] == "/exam/answer/"
    question = carol_attempt.question_ids()[0]
    url = f"/api/exam/attempts/{carol_attempt.pk}/answers/{question}"
    save = carol.put(url, {"response": "A", "seq": 1}, content_type="application/json")
    assert save.status_code == 200
    statuses = {sign_in(Client(), personas.carol.id_number, "WRONG").status_code for _ in range(20)}
    assert statuses <= {400, 429} and 429 in statuses  # slowed down, never locked
    personas.carol.user.refresh_from_db()
    assert not personas.carol.user.is_locked
    assert not AuditEntry.objects.filter(action="account.locked").exists()
    # The exam she is sitting goes on: the same session saves, the page still opens.
    save = carol.put(url, {"response": "B", "seq": 2}, content_type="application/json")
    assert save.status_code == 200, save.content
    assert carol.get("/exam/answer/").status_code == 200
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == "answering"
    assert not carol_attempt.events.exists()


def test_a_throttled_try_says_when_to_try_again_without_checking_the_passcode(
    personas: Personas, settings
) -> None:
    settings.LOGIN_FREE_FAILURES = 2
    for _ in range(3):
        sign_in(Client(), personas.carol.id_number, "WRONG")
    # The right passcode now waits too: the answer comes before any check, and says when.
    response = sign_in(Client(), personas.carol.id_number, FORMAL_PASSCODE)
    assert response.status_code == 429
    message = " ".join(failure_message(response))
    assert any(ch.isdigit() for ch in message)
    # Another candidate behind the same address is not held up by carol's failures.
    assert sign_in(Client(), personas.dave.id_number, FORMAL_PASSCODE).status_code == 302


def test_the_delay_is_short_and_ends(personas: Personas, settings) -> None:
    from accounts import throttle

    settings.LOGIN_FREE_FAILURES = 0
    waits = [throttle.failed("candidate", "110105199003079999", None) for _ in range(12)]
    assert waits == sorted(waits) and waits[0] >= 1
    assert max(waits) == settings.LOGIN_MAX_DELAY_SECONDS <= 60


def test_a_locked_candidates_open_session_ends(personas: Personas, carol_client: Client) -> None:
    carol_client.get("/exam/")
    assert carol_client.get("/exam/info/").status_code == 200
    User.objects.filter(pk=personas.carol.user.pk).update(locked_at=timezone.now())
    response = carol_client.get("/exam/info/")
    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


def test_a_success_resets_the_failure_count(personas: Personas) -> None:
    sign_in(Client(), personas.carol.id_number, "WRONG")
    personas.carol.user.refresh_from_db()
    assert personas.carol.user.failed_logins == 1
    sign_in(Client(), personas.carol.id_number, FORMAL_PASSCODE)
    personas.carol.user.refresh_from_db()
    assert personas.carol.user.failed_logins == 0


def test_it_refuses_sign_in_earlier_than_thirty_minutes_before_opening(personas: Personas) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(
        opens_at=timezone.now() + dt.timedelta(minutes=45),
        closes_at=timezone.now() + dt.timedelta(hours=3),
    )
    response = sign_in(Client(), personas.carol.id_number, FORMAL_PASSCODE)
    assert response.status_code == 400
    personas.carol.user.refresh_from_db()
    assert personas.carol.user.failed_logins == 0  # the right passcode, only too early


def test_it_lets_candidates_in_early_to_wait(personas: Personas) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(
        opens_at=timezone.now() + dt.timedelta(minutes=20),
        closes_at=timezone.now() + dt.timedelta(hours=3),
    )
    client = Client()
    assert sign_in(client, personas.carol.id_number, FORMAL_PASSCODE).status_code == 302
    # The steps before the exam can be taken early; the clock starts only when it opens.
    assert client.get("/exam/")["Location"] == "/exam/info/"
    client.post("/exam/info/")
    response = client.post("/exam/commitment/", {"decision": "accept"})
    assert response["Location"] == "/exam/waiting/"
    waiting = client.get("/exam/waiting/")
    assert b"data-countdown" in waiting.content
    attempt = Attempt.objects.get()
    assert attempt.status == "waiting" and attempt.deadline is None
    assert client.get("/exam/answer/")["Location"] == "/exam/waiting/"


def test_sign_ins_from_one_address_are_rate_limited(personas: Personas, settings) -> None:
    settings.LOGIN_RATE_PER_MINUTE = 3
    numbers = [f"11010519900307{n:03d}X" for n in range(4)]  # four names, one address
    statuses = [sign_in(Client(), number, "x").status_code for number in numbers]
    assert statuses == [400, 400, 400, 429]


def test_failures_from_one_address_slow_it_down_whatever_names_it_tries(
    personas: Personas, settings
) -> None:
    settings.LOGIN_FREE_FAILURES_PER_ADDRESS = 3
    numbers = [f"11010519900307{n:03d}X" for n in range(5)]
    statuses = [sign_in(Client(), number, "x").status_code for number in numbers]
    assert statuses[:3] == [400, 400, 400] and statuses[-1] == 429


@pytest.mark.parametrize(
    "payload", [{}, {"id_number": "", "passcode": ""}, {"id_number": "x" * 500, "passcode": "1"}]
)
def test_malformed_forms_get_field_errors(personas: Personas, payload: dict) -> None:
    response = Client().post("/exam/sign-in/", payload)
    assert response.status_code == 400
    assert not Attempt.objects.exists()
