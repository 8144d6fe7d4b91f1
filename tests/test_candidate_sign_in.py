"""Candidates sign in with ID number and passcode (R-EXAM-3, R-EMG-1, R-EMG-2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEntry
from exams.models import Attempt, Exam
from exams.signin import SESSION_REGISTRATION
from tests import personas as personas_module
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


def test_an_unknown_id_number_says_the_user_does_not_exist(personas: Personas) -> None:
    response = sign_in(Client(), "110105199003079999", FORMAL_PASSCODE)
    assert response.status_code == 400
    assert (
        "user does not exist" in response.content.decode()
        or "用户不存在" in response.content.decode()
    )
    assert not Attempt.objects.exists()


def test_a_wrong_passcode_is_refused_counted_and_writes_nothing(personas: Personas) -> None:
    client = Client()
    response = sign_in(client, personas.carol.id_number, "WRONG")
    assert response.status_code == 400
    assert SESSION_REGISTRATION not in client.session
    assert "_auth_user_id" not in client.session
    personas.carol.user.refresh_from_db()
    assert personas.carol.user.failed_logins == 1
    assert not Attempt.objects.exists()


def test_another_candidates_passcode_for_an_exam_they_are_not_registered_for_fails(
    personas: Personas,
) -> None:
    other = personas_module.exam("OTHER", Exam.Kind.FORMAL, "OTHER-1")
    assert sign_in(Client(), personas.carol.id_number, other.passcode).status_code == 400


def test_the_account_locks_after_the_configured_number_of_failures(
    personas: Personas, settings
) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        sign_in(Client(), personas.carol.id_number, "WRONG")
    personas.carol.user.refresh_from_db()
    assert personas.carol.user.is_locked
    assert (
        AuditEntry.objects.filter(
            action="account.locked", target_id=str(personas.carol.user.pk)
        ).count()
        == 1
    )
    # Even the right passcode is refused now, with a message that says what to do.
    response = sign_in(Client(), personas.carol.id_number, FORMAL_PASSCODE)
    assert response.status_code == 400
    assert "_auth_user_id" not in Client().session


def test_a_locked_candidates_open_session_ends(personas: Personas, carol_client: Client) -> None:
    carol_client.get("/exam/")
    assert carol_client.get("/exam/info/").status_code == 200
    User.objects.filter(pk=personas.carol.user.pk).update(locked_at=timezone.now())
    response = carol_client.get("/exam/info/")
    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


def test_a_success_resets_the_failure_count(personas: Personas) -> None:
    sign_in(Client(), personas.carol.id_number, "WRONG")
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
    statuses = [sign_in(Client(), "110105199003079999", "x").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]


@pytest.mark.parametrize(
    "payload", [{}, {"id_number": "", "passcode": ""}, {"id_number": "x" * 500, "passcode": "1"}]
)
def test_malformed_forms_get_field_errors(personas: Personas, payload: dict) -> None:
    response = Client().post("/exam/sign-in/", payload)
    assert response.status_code == 400
    assert not Attempt.objects.exists()
