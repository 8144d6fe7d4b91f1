"""Grading runs in a real Celery worker fed through the Redis broker, and its result reaches the
proctor console's group through the Redis channel layer."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from celery.contrib.testing.worker import start_worker
from channels.layers import get_channel_layer

from config.celery import app
from exams import services
from exams.models import Registration
from exams.statuses import AttemptStatus
from proctoring.events import room_group
from tests.personas import Personas, answering


@pytest.mark.django_db(transaction=True)
def test_a_submitted_paper_is_graded_by_the_worker_and_the_room_is_told(personas: Personas) -> None:
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    attempt = answering(registration)
    services.save_answer(attempt.pk, int(attempt.paper[0]["question"]), "B", 1)

    async def submit_and_listen() -> list[str]:
        layer = get_channel_layer()
        listener = await layer.new_channel()
        await layer.group_add(room_group(personas.room_a.pk), listener)
        await sync_to_async(services.submit)(attempt)
        statuses: list[str] = []
        while "graded" not in statuses:
            message = await asyncio.wait_for(layer.receive(listener), timeout=20)
            statuses.append(message["attempt"]["status"])
        return statuses

    with start_worker(
        app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
    ):
        statuses = async_to_sync(submit_and_listen)()

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert (attempt.score, attempt.max_score) == (1, 6)
    assert attempt.graded_at is not None
    assert statuses[-2:] == ["submitted", "graded"]
