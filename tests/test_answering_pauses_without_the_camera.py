"""Proctoring the candidate cannot switch off (R-PROC-1): while a required view (the
computer's camera; the phone where the exam requires it) has been lost for longer than the
exam's grace, the server refuses saves as ``paused`` (the page keeps them and sends them once
the view is back); losing view 1 or its microphone opens an alert as losing the phone does."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from exams import services
from exams.models import Answer, Attempt, Exam
from proctoring import view_states
from proctoring.models import Alert, AlertKind, ViewState
from tests.personas import Personas
from tests.test_proctor_actions import both, candidate_channel, room_console, start

pytestmark = pytest.mark.django_db(transaction=True)


def put(client: Client, attempt: Attempt, response: str, seq: int):
    question = attempt.paper[0]["question"]
    return client.put(
        f"/api/exam/attempts/{attempt.pk}/answers/{question}",
        json.dumps({"response": response, "seq": seq}),
        content_type="application/json",
    )


def lose(attempt: Attempt, view: int, seconds_ago: float) -> None:
    """View ``view`` of ``attempt`` lost ``seconds_ago``."""
    view_states.record_view_state(attempt.pk, view, False)
    ViewState.objects.filter(attempt=attempt, view=view).update(
        changed_at=timezone.now() - dt.timedelta(seconds=seconds_ago)
    )


def test_a_save_is_refused_while_the_camera_is_lost_past_the_grace_and_taken_once_it_is_back(
    personas: Personas, carol_client: Client
) -> None:
    attempt = start(personas)
    Exam.objects.filter(pk=personas.formal.pk).update(view_loss_grace_seconds=10)
    lose(attempt, 1, seconds_ago=3)
    assert put(carol_client, attempt, "A", 1).status_code == 200  # inside the grace

    lose(attempt, 1, seconds_ago=11)
    refused = put(carol_client, attempt, "B", 2)
    assert refused.status_code == 409
    assert refused.json()["code"] == "paused"
    assert "摄像头或屏幕共享已关闭" in refused.json()["message"]  # the default language is Chinese
    assert Answer.objects.get(attempt=attempt).response == "A"

    view_states.record_view_state(attempt.pk, 1, True)
    assert put(carol_client, attempt, "B", 2).status_code == 200
    assert Answer.objects.get(attempt=attempt).response == "B"


def test_the_phone_pauses_answering_only_where_the_exam_requires_it(
    personas: Personas,
) -> None:
    attempt = start(personas)
    lose(attempt, 2, seconds_ago=600)
    question = attempt.paper[0]["question"]
    Exam.objects.filter(pk=personas.formal.pk).update(requires_second_view=False)
    assert services.save_answer(attempt.pk, question, "A", 1)[0] == 1

    Exam.objects.filter(pk=personas.formal.pk).update(requires_second_view=True)
    with pytest.raises(services.AnswerRefused) as refused:
        services.save_answer(attempt.pk, question, "B", 2)
    assert refused.value.code == "paused"


def test_an_exam_without_the_camera_never_pauses(personas: Personas) -> None:
    attempt = start(personas)
    Exam.objects.filter(pk=personas.formal.pk).update(requires_camera=False)
    lose(attempt, 1, seconds_ago=600)
    assert services.save_answer(attempt.pk, attempt.paper[0]["question"], "A", 1)[0] == 1


async def test_losing_view_one_or_its_microphone_opens_an_alert_and_its_return_closes_it(
    personas: Personas,
) -> None:
    attempt = await sync_to_async(start)(personas)
    console = await room_console(personas.room_a.pk, personas.paula)
    page = await candidate_channel(attempt, personas.carol.user)

    await page.send_json_to({"type": "view", "view": 1, "connected": False, "part": "microphone"})
    lost = await both(console, "view.changed", "alert.changed")
    assert lost["view.changed"]["view"] == 1
    alert = lost["alert.changed"]["alert"]
    assert (alert["kind"], alert["view"], alert["status"]) == ("camera_lost", 1, "open")
    stored = await sync_to_async(Alert.objects.get)(kind=AlertKind.CAMERA_LOST)
    assert stored.detail == {"part": "microphone"}

    # Only the media process says a view is back (a page's word could fake a camera).
    await sync_to_async(view_states.record_view_state)(attempt.pk, 1, True)
    back = await both(console, "view.changed", "alert.changed")
    assert back["alert.changed"]["alert"]["status"] == "closed"
    await page.disconnect()
    await console.disconnect()


async def test_a_page_cannot_report_an_unknown_part_of_its_view(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    page = await candidate_channel(attempt, personas.carol.user)
    await page.send_json_to({"type": "view", "view": 1, "connected": False, "part": "screen"})
    assert await page.receive_json_from(timeout=5) == {"type": "error", "code": "bad_part"}
    assert not await sync_to_async(ViewState.objects.exists)()
    await page.disconnect()
