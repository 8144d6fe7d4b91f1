"""Pairing the phone as the second camera (view 2) by a single-use QR link: the candidate asks
for a code, a phone opens it once and its own session is paired; codes expire, newer codes and
newer phones supersede older ones, the public link is rate limited, and nothing works for an
attempt that is not live or not the candidate's own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from exams import services
from exams.models import Attempt, Exam, Registration
from exams.statuses import AttemptStatus
from proctoring import pairing
from proctoring.models import PhonePairing
from tests.conftest import candidate_client
from tests.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_phone_step(personas: Personas, carol_client: Client) -> Attempt:
    """Carol's attempt of an exam that requires the phone, at the phone step."""
    Exam.objects.filter(pk=personas.formal.pk).update(requires_second_view=True)
    carol_client.get("/exam/")
    carol_client.post("/exam/info/")
    assert (
        carol_client.post("/exam/commitment/", {"decision": "accept"})["Location"]
        == "/exam/second-view/"
    )
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    assert attempt.status == AttemptStatus.COMMITMENT_SIGNED
    return attempt


def new_code(client: Client, attempt: Attempt) -> dict[str, Any]:
    response = client.post(f"/phone/attempts/{attempt.pk}/code/")
    assert response.status_code == 200, response.content.decode()
    return response.json()


def link_path(code: dict[str, Any]) -> str:
    path = code["url"].removeprefix("http://testserver")
    assert path.startswith("/phone/") and path != code["url"]
    return path


def pair_phone(client: Client, attempt: Attempt) -> Client:
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile")
    response = phone.get(link_path(new_code(client, attempt)))
    assert response.status_code == 302 and response["Location"] == "/phone/"
    return phone


def test_a_code_pairs_the_phone_that_opens_it_once(
    at_phone_step: Attempt, carol_client: Client, english: None
) -> None:
    code = new_code(carol_client, at_phone_step)
    assert code["qr"].startswith("data:image/svg+xml;base64,")
    assert code["expires_in"] == 600
    token = link_path(code).split("/")[2]
    # Only the token's hash is kept.
    stored = PhonePairing.objects.get()
    assert stored.token_hash == pairing.hash_token(token) and token not in stored.token_hash

    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile Safari")
    planted = phone.session.session_key  # a session the phone had before (or was given)
    opened = phone.get(link_path(code))
    assert opened.status_code == 302 and opened["Location"] == "/phone/"
    assert phone.session.session_key != planted  # the pairing gets a session id of its own
    assert opened["Referrer-Policy"] == "no-referrer"
    assert pairing.phone_attempt_id(phone.session) == at_phone_step.pk
    page = phone.get("/phone/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-attempt-id="{at_phone_step.pk}"' in body
    assert "js/view2.js" in body and 'value="environment" checked' in body
    stored.refresh_from_db()
    assert stored.used_at is not None and "iPhone" in stored.user_agent

    # The same link again, from this phone or another: refused, with what to do.
    for again in (phone, Client()):
        second = again.get(link_path(code))
        assert second.status_code == 410
        assert "already been used" in second.content.decode()
        assert "Scan a new code" in second.content.decode()
    assert pairing.phone_attempt_id(phone.session) == at_phone_step.pk  # still paired


def test_an_expired_code_is_refused(
    at_phone_step: Attempt, carol_client: Client, english: None
) -> None:
    code = new_code(carol_client, at_phone_step)
    PhonePairing.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    phone = Client()
    response = phone.get(link_path(code))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert pairing.phone_attempt_id(phone.session) is None
    assert phone.get("/phone/").status_code == 403


def test_a_new_code_supersedes_the_unused_old_one(
    at_phone_step: Attempt, carol_client: Client, english: None
) -> None:
    old = new_code(carol_client, at_phone_step)
    new = new_code(carol_client, at_phone_step)
    refused = Client().get(link_path(old))
    assert refused.status_code == 410 and "newer code" in refused.content.decode()
    assert Client().get(link_path(new)).status_code == 302


def test_a_new_phone_replaces_the_paired_one(at_phone_step: Attempt, carol_client: Client) -> None:
    first = pair_phone(carol_client, at_phone_step)
    # Asking for a new code alone does not unpair the phone in use.
    code = new_code(carol_client, at_phone_step)
    assert pairing.phone_attempt_id(first.session) == at_phone_step.pk
    second = Client()
    assert second.get(link_path(code)).status_code == 302
    assert pairing.phone_attempt_id(second.session) == at_phone_step.pk
    assert pairing.phone_attempt_id(first.session) is None
    assert first.get("/phone/").status_code == 403
    assert (
        PhonePairing.objects.filter(used_at__isnull=False, superseded_at__isnull=True).count() == 1
    )


def test_an_unknown_or_malformed_link_is_refused(at_phone_step: Attempt) -> None:
    assert Client().get("/phone/" + "A" * 32 + "/").status_code == 404
    assert Client().get("/phone/short/").status_code == 404


def test_the_public_link_is_rate_limited(
    at_phone_step: Attempt, carol_client: Client, settings: Any, english: None
) -> None:
    settings.PHONE_PAIRING_OPENS_PER_MINUTE = 3
    for _ in range(3):
        assert Client().get("/phone/" + "B" * 32 + "/").status_code == 404
    code = new_code(carol_client, at_phone_step)
    limited = Client().get(link_path(code))
    assert limited.status_code == 429 and "Too many" in limited.content.decode()
    # The code was not used up by the refused open.
    assert PhonePairing.objects.get().used_at is None


def test_codes_and_status_only_for_the_candidates_own_attempt(
    personas: Personas, at_phone_step: Attempt
) -> None:
    dave = candidate_client(personas, "dave")
    assert dave.post(f"/phone/attempts/{at_phone_step.pk}/code/").status_code == 404
    assert dave.get(f"/phone/attempts/{at_phone_step.pk}/status/").status_code == 404
    anonymous = Client().post(f"/phone/attempts/{at_phone_step.pk}/code/")
    # A JSON endpoint: 401 in the API's refusal shape, not the sign-in page's redirect.
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "sign_in"
    staff = Client()
    staff.force_login(personas.paula)
    assert staff.post(f"/phone/attempts/{at_phone_step.pk}/code/").status_code == 403
    assert not PhonePairing.objects.exists()


def test_a_phone_paired_to_one_attempt_is_not_paired_to_another(
    personas: Personas, at_phone_step: Attempt, carol_client: Client
) -> None:
    phone = pair_phone(carol_client, at_phone_step)
    dave_attempt = services.open_attempt(
        Registration.objects.get(exam=personas.formal, candidate=personas.dave)
    )
    assert pairing.phone_attempt_id(phone.session) == at_phone_step.pk != dave_attempt.pk
    # A forged session value pointing at a pairing that is not in force counts for nothing.
    session = phone.session
    session[pairing.SESSION_PAIRING] = "1"
    assert pairing.phone_attempt_id(session) is None


def test_nothing_works_once_the_attempt_is_over(
    at_phone_step: Attempt, carol_client: Client, english: None
) -> None:
    phone = pair_phone(carol_client, at_phone_step)
    code = new_code(carol_client, at_phone_step)
    services.transition_to(at_phone_step, AttemptStatus.TERMINATED, reason="test")
    assert pairing.phone_attempt_id(phone.session) is None
    assert phone.get("/phone/").status_code == 403
    late = Client().get(link_path(code))
    assert late.status_code == 410 and "no longer in progress" in late.content.decode()
    refused = carol_client.post(f"/phone/attempts/{at_phone_step.pk}/code/")
    assert refused.status_code == 409 and refused.json()["code"] == "not_live"


def test_no_code_for_an_exam_without_the_phone_or_before_its_step(
    personas: Personas, carol_client: Client
) -> None:
    carol_client.get("/exam/")
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    response = carol_client.post(f"/phone/attempts/{attempt.pk}/code/")
    assert response.status_code == 409 and response.json()["code"] == "not_required"
    Exam.objects.filter(pk=personas.formal.pk).update(requires_second_view=True)
    response = carol_client.post(f"/phone/attempts/{attempt.pk}/code/")
    assert response.status_code == 409 and response.json()["code"] == "not_yet"


def test_the_phone_connecting_takes_the_step_once(
    at_phone_step: Attempt, carol_client: Client
) -> None:
    pair_phone(carol_client, at_phone_step)
    status = carol_client.get(f"/phone/attempts/{at_phone_step.pk}/status/").json()
    assert status == {
        "paired": True,
        "paired_at": status["paired_at"],
        "connected": False,
        "step_done": False,
        "next_url": "/exam/",
    }
    # Paired is not enough: the flow waits for the phone's picture.
    assert carol_client.get("/exam/answer/")["Location"] == "/exam/second-view/"

    assert pairing.view_two_connected(at_phone_step.pk) is True  # what the media process calls
    assert pairing.view_two_connected(at_phone_step.pk) is False  # a reconnect changes nothing
    at_phone_step.refresh_from_db()
    assert at_phone_step.status == AttemptStatus.ANSWERING  # the exam is open: straight on
    assert carol_client.get(f"/phone/attempts/{at_phone_step.pk}/status/").json()["step_done"]
    assert carol_client.get("/exam/second-view/")["Location"] == "/exam/answer/"


def test_a_phone_connecting_before_the_step_or_without_it_moves_nothing(
    personas: Personas, carol_attempt: Attempt
) -> None:
    assert pairing.view_two_connected(carol_attempt.pk) is False
    assert pairing.view_two_connected(10**9) is False


def test_the_step_page_polls_instead_of_reloading_and_the_answer_page_offers_a_new_code(
    at_phone_step: Attempt, carol_client: Client
) -> None:
    page = carol_client.get("/exam/second-view/").content.decode()
    assert "location.reload" not in page
    assert "js/phone_pairing.js" in page and 'data-mode="step"' in page
    assert f"/phone/attempts/{at_phone_step.pk}/status/" in page

    pairing.view_two_connected(at_phone_step.pk)
    answer = carol_client.get("/exam/answer/").content.decode()
    assert 'data-mode="exam"' in answer and "<details" in answer
    assert f"/phone/attempts/{at_phone_step.pk}/code/" in answer
    # The phone can be paired again while answering (a phone that dropped or ran flat).
    assert pair_phone(carol_client, at_phone_step)


def test_the_answer_page_has_no_phone_box_when_the_exam_needs_no_phone(
    carol_attempt: Attempt, carol_client: Client
) -> None:
    assert 'id="phone-pairing"' not in carol_client.get("/exam/answer/").content.decode()


def test_the_qr_code_reads_back_as_the_link() -> None:
    import base64
    import re

    import cv2
    import numpy as np

    url = "http://exam.example/phone/" + "x" * 32 + "/"
    svg = base64.b64decode(pairing.qr_svg_data_url(url).split(",", 1)[1]).decode()
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))  # type: ignore[union-attr]
    modules = np.full((size, size), 255, dtype=np.uint8)
    for x, y in re.findall(r"M(\d+),(\d+)h1v1h-1z", svg):
        modules[int(y), int(x)] = 0
    scaled = cv2.resize(modules, (size * 8, size * 8), interpolation=cv2.INTER_NEAREST)
    image = cv2.copyMakeBorder(scaled, 32, 32, 32, 32, cv2.BORDER_CONSTANT, value=255)
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert decoded == url


def test_the_exam_computer_cannot_pair_itself(
    at_phone_step: Attempt, carol_client: Client, english: None
) -> None:
    code = new_code(carol_client, at_phone_step)
    refused = carol_client.get(link_path(code))
    assert refused.status_code == 409 and "on your phone" in refused.content.decode()
    assert pairing.phone_attempt_id(carol_client.session) is None
    # The code is still good for the phone.
    assert Client().get(link_path(code)).status_code == 302
