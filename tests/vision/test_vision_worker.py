"""A frame queued on the ``vision`` queue is analysed by a real Celery worker fed through the
Redis broker, and the alert it raises reaches the proctor console's room group."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from celery.contrib.testing.worker import start_worker
from channels.layers import get_channel_layer
from django.core.files.base import ContentFile
from django.db import transaction

from config.celery import app
from exams.models import Attempt
from proctoring import tasks
from proctoring.events import room_group
from proctoring.models import EvidenceFrame, FrameAnalysis
from tests.personas import Personas
from tests.vision.conftest import shared


@pytest.mark.django_db(transaction=True)
def test_a_frame_on_the_vision_queue_is_analysed_and_the_room_hears_the_alert(
    personas: Personas, carol_attempt: Attempt, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    frame = EvidenceFrame(attempt=carol_attempt, view=1)
    frame.image.save("f.jpg", ContentFile(shared("scenes", "person_phone_1.jpg").read_bytes()))

    def queue() -> None:
        with transaction.atomic():
            transaction.on_commit(lambda: tasks.analyze_frame.delay(frame.pk))

    async def queue_and_listen() -> list[dict]:
        layer = get_channel_layer()
        listener = await layer.new_channel()
        await layer.group_add(room_group(personas.room_a.pk), listener)
        await sync_to_async(queue)()
        alerts: list[dict] = []
        while not any(a["kind"] == "device" for a in alerts):
            message = await asyncio.wait_for(layer.receive(listener), timeout=60)
            if message["type"] == "alert.changed":
                alerts.append(message["alert"])
        return alerts

    with start_worker(
        app,
        pool="solo",
        queues=["vision"],
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
    ):
        alerts = async_to_sync(queue_and_listen)()

    device = next(a for a in alerts if a["kind"] == "device")
    assert device["attempt"] == carol_attempt.pk and device["status"] == "open"
    assert device["evidence_url"] == f"/vision/evidence/{frame.pk}/"
    assert FrameAnalysis.objects.get(frame=frame).result["devices"]
