"""The Celery application. Queues: ``default`` (grading, imports, PDFs, notifications) and
``vision`` (face and frame analysis), each served by its own workers."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import celeryd_after_setup
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

app = Celery("proctor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_after_setup.connect
def refuse_an_unequipped_vision_worker(sender: str, instance: Any, **kwargs: Any) -> None:
    """A worker that consumes the ``vision`` queue stops at once, saying why, when it lacks the
    face-template key or a library of its tasks (``config.vision_worker``). SystemExit, because
    Celery logs and swallows any Exception a signal handler raises."""
    if "vision" not in instance.app.amqp.queues.consume_from:
        return
    from config import vision_worker

    try:
        vision_worker.check()
    except ImproperlyConfigured as exc:
        raise SystemExit(f"This vision worker cannot start: {exc}") from exc
