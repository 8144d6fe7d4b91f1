"""The Celery application. Queues: ``default`` (grading, imports, PDFs, notifications) and
``vision`` (face and frame analysis), each served by its own workers."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

app = Celery("proctor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
