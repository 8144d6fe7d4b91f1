"""One attempt, one browser session (R-EXAM-3): a second sign-in while the first session is
alive is refused and the room's proctor is alerted, with the first session unharmed; once the
first has gone quiet, a new session takes over only after its own identity check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from exams.models import Attempt, Exam, IdentityCheck, Registration
from exams.statuses import CheckStatus
from proctoring.models import Alert, AlertKind
from tests.conftest import candidate_client
from tests.personas import FORMAL_PASSCODE, Personas


def save(client: Client, attempt: Attempt, seq: int, response: str = "A"):
    question = attempt.question_ids()[0]
    return client.put(
        f"/api/exam/attempts/{attempt.pk}/answers/{question}",
        {"response": response, "seq": seq},
        content_type="application/json",
    )


def second_sign_in(personas: Personas):
    client = Client()
    response = client.post(
        "/exam/sign-in/", {"id_number": personas.carol.id_number, "passcode": FORMAL_PASSCODE}
    )
    return client, response


def went_quiet(attempt: Attempt) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(
        session_seen_at=timezone.now() - dt.timedelta(minutes=5)
    )


@pytest.fixture
def carol(personas: Personas, carol_attempt: Attempt) -> Client:
    """Carol answering in her first browser session."""
    client = candidate_client(personas, "carol")
    assert client.get("/exam/")["Location"] == "/exam/answer/"
    assert save(client, carol_attempt, 1).status_code == 200
    return client


def test_a_second_sign_in_while_the_first_session_answers_is_refused_and_alerts_the_proctor(
    personas: Personas, carol_attempt: Attempt, carol: Client, english: None
) -> None:
    intruder, response = second_sign_in(personas)
    assert response.status_code == 409
    assert "already open on another device" in response.content.decode()
    assert "_auth_user_id" not in intruder.session  # not signed in at all
    alert = Alert.objects.get(attempt=carol_attempt, kind=AlertKind.SECOND_SIGN_IN)
    assert alert.detail["outcome"] == "refused"
    # The first session is unharmed: it saves, its page opens, nothing counts against it.
    assert save(carol, carol_attempt, 2, "B").status_code == 200
    assert carol.get("/exam/answer/").status_code == 200
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == "answering" and carol_attempt.warnings == 0
    assert not carol_attempt.events.exists()
    assert carol_attempt.answers.get().response == "B"


def test_a_session_gone_quiet_can_be_replaced_where_no_identity_check_is_required(
    personas: Personas, carol_attempt: Attempt, carol: Client
) -> None:
    went_quiet(carol_attempt)
    second, response = second_sign_in(personas)
    assert response.status_code == 302
    assert second.get("/exam/")["Location"] == "/exam/answer/"
    assert save(second, carol_attempt, 2).status_code == 200
    assert Alert.objects.get(attempt=carol_attempt, kind=AlertKind.SECOND_SIGN_IN).detail == {
        "outcome": "took_over"
    }
    # The old session no longer writes into the attempt.
    refused = save(carol, carol_attempt, 3)
    assert refused.status_code == 409 and refused.json()["code"] == "open_elsewhere"


@pytest.fixture
def identity_exam(personas: Personas) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(requires_identity=True)


def passed_check(personas: Personas, at: dt.datetime) -> IdentityCheck:
    return IdentityCheck.objects.create(
        candidate=personas.carol,
        challenge=IdentityCheck.Challenge.BLINK,
        status=CheckStatus.PASSED,
        decided_at=at,
    )


@pytest.mark.usefixtures("identity_exam")
def test_a_new_session_does_not_inherit_the_identity_check_of_the_old_one(
    personas: Personas,
) -> None:
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    first = candidate_client(personas, "carol")
    first.get("/exam/")
    first.post("/exam/info/")
    first.post("/exam/commitment/", {"decision": "accept"})
    passed_check(personas, timezone.now())
    assert first.post("/exam/identity/")["Location"] == "/exam/answer/"
    attempt = registration.attempts.get()
    assert save(first, attempt, 1).status_code == 200

    went_quiet(attempt)  # the first computer died
    second, response = second_sign_in(personas)
    assert response.status_code == 302
    # Past the identity step, but the check was the other session's: the face check again.
    assert second.get("/exam/")["Location"] == "/exam/identity/again/"
    assert second.get("/exam/answer/")["Location"] == "/exam/identity/again/"
    assert second.get("/exam/identity/again/").status_code == 200
    paper = second.get(f"/api/exam/attempts/{attempt.pk}")
    assert paper.status_code == 409  # no paper before the check
    refused = save(second, attempt, 2)
    assert refused.status_code == 409 and refused.json()["code"] == "identity_required"
    assert not Alert.objects.filter(attempt=attempt, kind=AlertKind.SECOND_SIGN_IN).exists()
    # Going on without a check of its own shows the page again, saying why.
    again = second.post("/exam/identity/again/", follow=True)
    assert again.redirect_chain == [("/exam/identity/again/", 302)]
    assert [str(m) for m in again.context["messages"]]

    # Its own check, after its own sign-in, lets it take the attempt over.
    passed_check(personas, timezone.now() + dt.timedelta(seconds=1))
    assert second.post("/exam/identity/again/")["Location"] == "/exam/answer/"
    assert save(second, attempt, 2).status_code == 200
    alert = Alert.objects.get(attempt=attempt, kind=AlertKind.SECOND_SIGN_IN)
    assert alert.detail["outcome"] == "took_over"
    assert save(first, attempt, 3).json()["code"] == "open_elsewhere"


@pytest.mark.usefixtures("identity_exam")
def test_a_check_passed_before_the_session_signed_in_does_not_count(
    personas: Personas,
) -> None:
    """The first session passed the face check but never went on; a later session of the
    same attempt must take its own."""
    first = candidate_client(personas, "carol")
    first.get("/exam/")
    first.post("/exam/info/")
    first.post("/exam/commitment/", {"decision": "accept"})
    passed_check(personas, timezone.now())
    attempt = Attempt.objects.get()
    went_quiet(attempt)
    second, _response = second_sign_in(personas)
    second.post("/vision/identity/consent/", {"choice": "automatic"})
    assert second.post("/exam/identity/")["Location"] == "/exam/identity/"
    attempt.refresh_from_db()
    assert attempt.status == "commitment_signed"
