"""FACE_TEMPLATE_KEY goes only to the processes that use it: a real ``celery worker`` of the
``vision`` queue refuses to start without it, saying so, while a worker of the ``default`` queue
starts and serves without it (production settings, as compose runs them)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config import vision_worker
from tests.test_env import COMPLETE

ROOT = Path(settings.BASE_DIR)
KEY = "dGVzdC1vbmx5LWZhY2UtdGVtcGxhdGUta2V5LTMyYiE="


def worker_environment(**extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        **COMPLETE,
        "REDIS_URL": settings.REDIS_URL,
        "PROCTOR_VAR_DIR": str(ROOT / "var"),
        **extra,
    }


def celery_worker(queue: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "-l",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_vision_worker_without_the_key_refuses_to_start() -> None:
    worker = celery_worker("vision", worker_environment())
    try:
        output, _ = worker.communicate(timeout=120)
    finally:
        worker.kill()
    assert worker.returncode != 0
    assert "This vision worker cannot start" in output
    assert "FACE_TEMPLATE_KEY" in output


def test_a_vision_worker_with_a_malformed_key_refuses_to_start() -> None:
    worker = celery_worker("vision", worker_environment(FACE_TEMPLATE_KEY="not-a-key"))
    try:
        output, _ = worker.communicate(timeout=120)
    finally:
        worker.kill()
    assert worker.returncode != 0
    assert "FACE_TEMPLATE_KEY is not a Fernet key" in output


def ready(worker: subprocess.Popen[str]) -> str:
    """The worker's output up to its "ready." line (killed after 120 s if it never comes)."""
    watchdog = threading.Timer(120, worker.kill)
    watchdog.start()
    lines: list[str] = []
    try:
        assert worker.stdout is not None
        for line in worker.stdout:
            lines.append(line)
            if " ready." in line:
                break
    finally:
        watchdog.cancel()
        worker.terminate()
        worker.wait(timeout=30)
    return "".join(lines)


def test_a_default_worker_starts_without_the_key() -> None:
    output = ready(celery_worker("default", worker_environment()))
    assert " ready." in output, output


def test_a_vision_worker_with_the_key_gets_past_its_start_check() -> None:
    """It goes on to connect to the broker and report ready, like a default worker."""
    output = ready(celery_worker("vision", worker_environment(FACE_TEMPLATE_KEY=KEY)))
    assert " ready." in output, output
    assert "cannot start" not in output


def test_a_vision_worker_without_the_face_detector_weights_refuses_to_start(
    monkeypatch, settings
) -> None:
    # As if the mediapipe wheel (it only carries the BlazeFace weights) were not installed.
    monkeypatch.setitem(sys.modules, "mediapipe", None)
    with pytest.raises(ImproperlyConfigured, match="VISION_FACE_DETECTOR=hog"):
        vision_worker.check()
    settings.VISION_FACE_DETECTOR = "hog"
    vision_worker.check()  # the former detector needs no such weights
