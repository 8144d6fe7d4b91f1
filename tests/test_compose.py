"""The production shape: the compose file parses and runs every process the docs describe."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PROCESSES = {"postgres", "redis", "web", "media", "worker-default", "worker-vision", "beat"}


def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_the_compose_file_names_every_process() -> None:
    assert PROCESSES <= set(services())


def test_the_architecture_document_describes_the_same_processes() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    for process in (
        "web",
        "media",
        "worker `default`",
        "worker `vision`",
        "beat",
        "PostgreSQL",
        "Redis",
    ):
        assert f"| {process} |" in text


def test_each_worker_serves_its_own_queue() -> None:
    commands = {name: " ".join(service.get("command", [])) for name, service in services().items()}
    assert "-Q default" in commands["worker-default"]
    assert "-Q vision" in commands["worker-vision"]
    assert "--prefetch-multiplier 1" in commands["worker-vision"]
    assert commands["beat"].startswith("celery -A config beat")


def test_the_app_services_run_production_settings_and_entry_points_that_exist() -> None:
    for name in PROCESSES - {"postgres", "redis"}:
        service = services()[name]
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.prod"
    assert "config.asgi:application" in services()["web"]["command"]
    assert "config.media_asgi:application" in services()["media"]["command"]
    assert (ROOT / "config" / "media_asgi.py").exists()


def test_the_web_process_waits_for_migrations() -> None:
    depends = services()["web"]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"


async def test_the_media_process_answers_its_health_check() -> None:
    from channels.testing import HttpCommunicator

    from config.media_asgi import application

    healthy = await HttpCommunicator(application, "GET", "/healthz").get_response()
    assert healthy["status"] == 200
    assert b'"process": "media"' in healthy["body"]
    missing = await HttpCommunicator(application, "GET", "/admin/").get_response()
    assert missing["status"] == 404
