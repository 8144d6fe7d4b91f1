"""Saving answers through the exam API: committed before acknowledged, never overwritten by a
stale save, refused after the deadline plus grace (R-EXAM-9)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

import pytest
from channels_redis.core import RedisChannelLayer
from django.test import Client
from django.utils import timezone

from config.settings.base import redis_channel_layer
from core import live
from exams.models import Answer, Attempt
from exams.summaries import progress
from questionbank.models import Question
from tests.conftest import candidate_client
from tests.personas import Personas


def url(attempt: Attempt, question: Question | int | None = None) -> str:
    base = f"/api/exam/attempts/{attempt.pk}"
    if question is None:
        return base
    return f"{base}/answers/{getattr(question, 'pk', question)}"


def put(client: Client, path: str, body: object):
    return client.put(path, json.dumps(body), content_type="application/json")


def first_question(attempt: Attempt) -> Question:
    return Question.objects.get(pk=attempt.paper[0]["question"])


def test_the_state_lists_questions_without_the_correct_answers(
    carol_client: Client, carol_attempt: Attempt
) -> None:
    response = carol_client.get(url(carol_attempt))
    assert response.status_code == 200
    state = response.json()
    assert [q["position"] for q in state["questions"]] == [1, 2, 3]
    assert "answer" not in state["questions"][0]
    assert 0 < state["remaining_seconds"] <= 90 * 60


def test_a_save_is_stored_and_acknowledged(carol_client: Client, carol_attempt: Attempt) -> None:
    question = first_question(carol_attempt)
    response = put(carol_client, url(carol_attempt, question), {"response": "B", "seq": 1})
    assert response.status_code == 200
    assert response.json()["seq"] == 1
    answer = Answer.objects.get(attempt=carol_attempt, question=question)
    assert (answer.response, answer.seq) == ("B", 1)
    assert carol_client.get(url(carol_attempt)).json()["answers"][str(question.pk)] == {
        "response": "B",
        "seq": 1,
    }


def test_a_newer_save_replaces_the_answer(carol_client: Client, carol_attempt: Attempt) -> None:
    question = first_question(carol_attempt)
    put(carol_client, url(carol_attempt, question), {"response": "B", "seq": 1})
    put(carol_client, url(carol_attempt, question), {"response": "C", "seq": 2})
    put(carol_client, url(carol_attempt, question), {"response": None, "seq": 3})
    answer = Answer.objects.get(attempt=carol_attempt, question=question)
    assert (answer.response, answer.seq) == (None, 3)


@pytest.mark.parametrize("stale_seq", [1, 2])
def test_a_stale_or_replayed_save_is_refused(
    carol_client: Client, carol_attempt: Attempt, stale_seq: int
) -> None:
    question = first_question(carol_attempt)
    put(carol_client, url(carol_attempt, question), {"response": "C", "seq": 2})
    response = put(carol_client, url(carol_attempt, question), {"response": "A", "seq": stale_seq})
    assert response.status_code == 409
    assert response.json()["code"] == "stale"
    assert response.json()["current_seq"] == 2
    assert Answer.objects.get(attempt=carol_attempt, question=question).response == "C"


def test_an_option_that_does_not_exist_is_refused(
    carol_client: Client, carol_attempt: Attempt
) -> None:
    response = put(
        carol_client, url(carol_attempt, first_question(carol_attempt)), {"response": "Z", "seq": 1}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_response"
    assert not Answer.objects.exists()


def test_a_question_not_on_the_paper_is_refused(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    trial_question = Question.objects.filter(text__startswith="TRIAL").first()
    response = put(carol_client, url(carol_attempt, trial_question), {"response": "A", "seq": 1})
    assert response.status_code == 422
    assert response.json()["code"] == "not_on_paper"
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"response": "A"},
        {"seq": 1},
        {"response": "A", "seq": 0},
        {"response": "A", "seq": "one"},
        {"response": ["A", "B"], "seq": 1},
        {"response": "A" * 5000, "seq": 1},
        [],
        "not an object",
    ],
)
def test_malformed_payloads_get_a_clear_error_and_change_nothing(
    carol_client: Client, carol_attempt: Attempt, body: object
) -> None:
    response = put(carol_client, url(carol_attempt, first_question(carol_attempt)), body)
    assert response.status_code == 422
    reply: dict = response.json()
    assert reply.get("detail") or reply.get("message")  # the schema's or the question's reason
    assert not Answer.objects.exists()


def test_broken_json_is_refused(carol_client: Client, carol_attempt: Attempt) -> None:
    response = carol_client.put(
        url(carol_attempt, first_question(carol_attempt)),
        "{not json",
        content_type="application/json",
    )
    assert response.status_code in (400, 422)
    assert not Answer.objects.exists()


def test_another_candidate_cannot_read_or_write_my_attempt(
    personas: Personas, carol_attempt: Attempt
) -> None:
    dave = candidate_client(personas, "dave")
    question = first_question(carol_attempt)
    assert dave.get(url(carol_attempt)).status_code == 404
    assert put(dave, url(carol_attempt, question), {"response": "A", "seq": 1}).status_code == 404
    assert dave.post(f"{url(carol_attempt)}/submit").status_code == 404
    assert not Answer.objects.exists()
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == "answering"


def test_staff_and_anonymous_visitors_cannot_use_the_candidate_api(
    personas: Personas, carol_attempt: Attempt
) -> None:
    assert Client().get(url(carol_attempt)).status_code == 401
    proctor = Client()
    proctor.force_login(personas.paula)
    assert proctor.get(url(carol_attempt)).status_code == 404


def test_saves_need_the_csrf_token(personas: Personas, carol_attempt: Attempt) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.carol.user, backend="accounts.backends.CandidateSessionBackend")
    response = put(
        client, url(carol_attempt, first_question(carol_attempt)), {"response": "B", "seq": 1}
    )
    assert response.status_code == 403
    assert not Answer.objects.exists()


def test_a_save_inside_the_grace_period_counts(
    carol_client: Client, carol_attempt: Attempt, settings
) -> None:
    settings.EXAM_SAVE_GRACE_SECONDS = 30
    Attempt.objects.filter(pk=carol_attempt.pk).update(
        deadline=timezone.now() - dt.timedelta(seconds=10)
    )
    response = put(
        carol_client, url(carol_attempt, first_question(carol_attempt)), {"response": "B", "seq": 1}
    )
    assert response.status_code == 200
    assert response.json()["remaining_seconds"] == 0


def test_a_save_after_the_deadline_and_grace_is_refused(
    carol_client: Client, carol_attempt: Attempt, settings
) -> None:
    settings.EXAM_SAVE_GRACE_SECONDS = 30
    Attempt.objects.filter(pk=carol_attempt.pk).update(
        deadline=timezone.now() - dt.timedelta(seconds=31)
    )
    response = put(
        carol_client, url(carol_attempt, first_question(carol_attempt)), {"response": "B", "seq": 1}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "time_over"
    assert not Answer.objects.exists()


def test_a_save_after_submission_is_refused(carol_client: Client, carol_attempt: Attempt) -> None:
    assert carol_client.post(f"{url(carol_attempt)}/submit").status_code == 200
    response = put(
        carol_client, url(carol_attempt, first_question(carol_attempt)), {"response": "B", "seq": 1}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "finished"
    assert not Answer.objects.exists()


def test_the_openapi_document_describes_the_exam_api(client: Client) -> None:
    document = client.get("/api/openapi.json").json()
    assert "/api/exam/attempts/{attempt_id}/answers/{question_id}" in document["paths"]


@pytest.mark.django_db(transaction=True)
def test_a_committed_save_is_acknowledged_when_publishing_it_fails(
    carol_client: Client, carol_attempt: Attempt, monkeypatch, caplog
) -> None:
    """The console hears of a save after the commit; a failure there is logged and dropped,
    never an error for an answer that is stored (it once escaped as HTTP 500)."""

    async def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the channel layer is down")

    monkeypatch.setattr(RedisChannelLayer, "group_send", refuse)
    monkeypatch.setattr(live, "_paused_until", 0.0)  # the pause this test causes ends with it
    caplog.set_level(logging.WARNING, logger="core.live")
    question = first_question(carol_attempt)
    response = put(carol_client, url(carol_attempt, question), {"response": "B", "seq": 1})
    assert response.status_code == 200
    assert response.json()["seq"] == 1
    assert progress.wait_idle(10)
    assert Answer.objects.get(attempt=carol_attempt, question=question).response == "B"
    assert "not published" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_with_redis_away_saves_and_a_submit_are_acknowledged_at_once(
    carol_client: Client, carol_attempt: Attempt, settings, monkeypatch
) -> None:
    """Fail open: with the channel layer's Redis unreachable, saving never waits for the
    console's event, and once a send failed, events are skipped instead of retried per request."""
    monkeypatch.setattr(live, "_paused_until", 0.0)
    # Port 9 (discard) has no listener here, so every connection is refused.
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer("redis://127.0.0.1:9/0", "gone")}
    started = time.monotonic()
    for seq, question in enumerate(carol_attempt.question_ids(), start=1):
        response = put(carol_client, url(carol_attempt, question), {"response": "B", "seq": seq})
        assert response.status_code == 200
    assert time.monotonic() - started < 1.5
    assert progress.wait_idle(10)  # the failed publish, logged
    started = time.monotonic()
    assert carol_client.post(f"{url(carol_attempt)}/submit").status_code == 200
    assert time.monotonic() - started < 1.0
    assert Answer.objects.filter(attempt=carol_attempt).count() == 3


def test_a_save_costs_the_fewest_queries(carol_client: Client, carol_attempt: Attempt) -> None:
    """The hot path of every exam: the session, the user, the locked attempt (which also says
    when its session was last heard from: no keep-alive write within ``TOUCH_EVERY``, and
    since when each camera has been lost: the pause check needs no query of its own) and the
    answer itself. Every query more is paid 200 times a second at a 1,000-candidate exam."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert carol_attempt.registration.exam.required_views  # the camera check is on this path
    question = first_question(carol_attempt)
    put(carol_client, url(carol_attempt, question), {"response": "B", "seq": 1})
    with CaptureQueriesContext(connection) as queries:
        response = put(carol_client, url(carol_attempt, question), {"response": "C", "seq": 2})
    assert response.status_code == 200
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert not [s for s in statements if s.startswith('UPDATE "exams_attempt"')], statements
    assert not [s for s in statements if s.startswith('SELECT "proctoring_viewstate"')]
    assert len(statements) == 4, statements


def test_the_query_count_of_a_save_cannot_grow(
    carol_client: Client, carol_attempt: Attempt, django_assert_num_queries
) -> None:
    """The same four statements counted as pytest-django counts them: with the SAVEPOINT and
    its RELEASE, which the test's own transaction turns the save's atomic block into."""
    question = first_question(carol_attempt)
    put(carol_client, url(carol_attempt, question), {"response": "B", "seq": 1})
    with django_assert_num_queries(4 + 2):
        response = put(carol_client, url(carol_attempt, question), {"response": "C", "seq": 2})
    assert response.status_code == 200


def test_a_camera_lost_past_its_grace_still_pauses_the_save_read_with_the_attempt(
    carol_client: Client, carol_attempt: Attempt
) -> None:
    """The pause check reads the views with the locked attempt: a view lost for longer than
    the grace refuses the save (``paused``), one lost for less, or back, does not."""
    from proctoring.models import ViewState

    exam = carol_attempt.registration.exam
    question = first_question(carol_attempt)
    now = timezone.now()
    lost_long_ago = now - dt.timedelta(seconds=exam.view_loss_grace_seconds + 5)
    state = ViewState.objects.create(
        attempt=carol_attempt, view=1, connected=False, changed_at=lost_long_ago
    )
    response = put(carol_client, url(carol_attempt, question), {"response": "B", "seq": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "paused"
    assert not Answer.objects.filter(attempt=carol_attempt).exists()

    ViewState.objects.filter(pk=state.pk).update(changed_at=now)  # lost just now: in grace
    response = put(carol_client, url(carol_attempt, question), {"response": "B", "seq": 2})
    assert response.status_code == 200

    ViewState.objects.filter(pk=state.pk).update(connected=True, changed_at=lost_long_ago)
    response = put(carol_client, url(carol_attempt, question), {"response": "C", "seq": 3})
    assert response.status_code == 200
    # A lost view the exam does not require never pauses it.
    assert 2 not in exam.required_views
    ViewState.objects.create(
        attempt=carol_attempt, view=2, connected=False, changed_at=lost_long_ago
    )
    response = put(carol_client, url(carol_attempt, question), {"response": "D", "seq": 4})
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_committed_save_and_submit_are_acknowledged_when_the_publish_itself_raises(
    carol_client: Client, carol_attempt: Attempt, monkeypatch, caplog
) -> None:
    """Not only the channel layer: whatever the on-commit publish raises (its read of the
    attempt, the coalescer) is logged and dropped. The save and the submission are committed
    by then and must be acknowledged."""
    from exams import summaries

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the publish broke")

    monkeypatch.setattr(summaries.progress, "request", broken)
    monkeypatch.setattr(summaries, "publish", broken)
    caplog.set_level(logging.ERROR, logger="core.live")
    question = first_question(carol_attempt)
    response = put(carol_client, url(carol_attempt, question), {"response": "B", "seq": 1})
    assert response.status_code == 200
    assert Answer.objects.get(attempt=carol_attempt, question=question).response == "B"
    assert carol_client.post(f"{url(carol_attempt)}/submit").status_code == 200
    carol_attempt.refresh_from_db()
    assert carol_attempt.status in ("submitted", "graded")
    assert caplog.text.count("the publish broke") >= 2
