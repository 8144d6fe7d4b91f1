"""The production shape: the compose file runs every process the docs describe, each from an
image that carries what its process imports, with the ports and secrets it needs and no others.

Every service built from the Dockerfile is started (as far as it goes without a network: its
entry module, its views or task modules, its start checks) in an interpreter that refuses the
distributions its image would not have. Why not a virtualenv per service, installed from PyPI
with exactly its extras: the vision image alone is about 300 MB of wheels and the embedded
test environment has no network inside bin/in-loopback-netns, so each CI run would spend
minutes downloading or fail offline. The shared environment already holds every distribution;
tests/start_with_extras.py refuses the top-level import names of each one outside the service's
dependency closure (pyproject.toml's extras of the service's Dockerfile target, then the
installed distributions' own requirements), so ``import aiortc`` in a service without the media
extra fails exactly as it would in its image.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from tests import service_images

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


# What an operator gives compose (docs/operations.md); anything else takes the file's defaults.
OPERATOR = {
    "SECRET_KEY": "s" * 50,
    "POSTGRES_PASSWORD": "secret",
    "EVIDENCE_SIGNING_KEY": "dGVzdC1vbmx5LWV2aWRlbmNlLXNpZ25pbmcta2V5ISE=",
    "FACE_TEMPLATE_KEY": "dGVzdC1vbmx5LWZhY2UtdGVtcGxhdGUta2V5LTMyYiE=",
    "ALLOWED_HOSTS": "exam.example.org",
    "SMS_HTTP_URL": "https://sms.example.org/send",
    "WEBRTC_ICE_ANNOUNCED_ADDRESS": "203.0.113.10",
}


def start(
    name: str, extras: list[str] | None = None, command: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Start service ``name`` as its image would (or with other ``extras``) without a network."""
    service = service_images.built_services()[name]
    extras = service_images.service_extras(service) if extras is None else extras
    request = {
        "refused": service_images.refused_imports(tuple(extras)),
        "steps": service_images.start_steps(command or service["command"]),
    }
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),  # the image's PYTHONPATH=/app
        **service_images.service_environment(service, OPERATOR),
        # The image's static files; the media volume's mount point is no directory here.
        "MEDIA_ROOT": str(ROOT / "var" / "media"),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "tests" / "start_with_extras.py")],
        input=json.dumps(request),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.mark.parametrize("name", sorted(service_images.built_services()))
def test_each_service_starts_with_its_images_extras_alone(name: str) -> None:
    result = start(name)
    extras = service_images.service_extras(service_images.built_services()[name])
    assert result.returncode == 0, f"{name} with {extras}:\n{result.stderr[-3000:]}"


def test_the_guard_refuses_what_an_image_lacks() -> None:
    """The check has teeth: the media process from the web image, and a vision worker from the
    media image, fail on the first library of the missing extra."""
    media = start("media", extras=[])
    assert media.returncode != 0
    assert "No module named 'aiortc" in media.stderr
    vision = start("worker-vision", extras=["media"])
    assert vision.returncode != 0
    assert "a vision worker needs" in vision.stderr


def test_every_service_builds_a_dockerfile_target_and_every_target_is_used() -> None:
    targets = service_images.dockerfile_targets()
    used = {s["build"]["target"] for s in service_images.built_services().values()}
    assert used == set(targets)
    images = {s["build"]["target"]: s["image"] for s in service_images.built_services().values()}
    assert len(set(images.values())) == len(images), "one image name per target"


def test_the_images_carry_the_extras_of_their_processes() -> None:
    services = service_images.built_services()
    extras = {name: service_images.service_extras(s) for name, s in services.items()}
    assert extras["media"] == ["media"]
    assert extras["worker-vision"] == ["vision-core"]
    for name in ("web", "migrate", "worker-default", "beat"):
        assert extras[name] == [], name


def udp_ranges(service: dict[str, Any]) -> list[tuple[str, str]]:
    ranges = []
    for port in service.get("ports", []):
        if str(port).endswith("/udp"):
            host, _, container = str(port).removesuffix("/udp").rpartition(":")
            ranges.append((host, container))
    return ranges


def test_the_media_service_publishes_its_peers_udp_range_one_to_one() -> None:
    media = services()["media"]
    env = media["environment"]
    low, high = int(env["WEBRTC_ICE_PORT_MIN"]), int(env["WEBRTC_ICE_PORT_MAX"])
    assert 1024 <= low < high
    # The host candidates announce the container's port with the public address: the published
    # host port must be the same number.
    assert udp_ranges(media) == [(f"{low}-{high}", f"{low}-{high}")]
    assert "WEBRTC_ICE_ANNOUNCED_ADDRESS" in env
    for name, service in services().items():
        if name != "media":
            assert udp_ranges(service) == [], name


def test_each_secret_goes_only_to_the_processes_that_use_it() -> None:
    with_key = {
        n for n, s in services().items() if "FACE_TEMPLATE_KEY" in (s.get("environment") or {})
    }
    assert with_key == {"worker-vision"}
    with_turn = {
        n for n, s in services().items() if "WEBRTC_TURN_SECRET" in (s.get("environment") or {})
    }
    assert with_turn == {"web", "media"}
    with_sms = {
        n for n, s in services().items() if "SMS_HTTP_TOKEN" in (s.get("environment") or {})
    }
    assert with_sms == {"worker-default"}


def test_the_install_script_adds_face_recognition_with_the_vision_extras() -> None:
    script = (ROOT / "bin" / "install-image").read_text()
    assert (
        'pip install --no-deps "face_recognition==1.3.0" "silero-vad==6.2.3" "mediapipe==0.10.21"'
        in script
    )
    assert service_images.NO_DEPS == {
        "vision-core": ["face-recognition", "silero-vad", "mediapipe"],
        "vision": ["face-recognition", "silero-vad", "mediapipe"],
    }


def test_the_images_collectstatic_step_loads_the_production_settings(tmp_path: Path) -> None:
    """bin/install-image runs collectstatic at build time with placeholder values; production
    settings refuse to load without every one they require, which would fail the build."""
    script = (ROOT / "bin" / "install-image").read_text()
    placeholders = dict(re.findall(r"^([A-Z_]+)=(\S+) \\$", script, re.MULTILINE))
    assert "SECRET_KEY" in placeholders
    assert "python manage.py collectstatic --noinput" in script
    result = subprocess.run(
        # --dry-run: the settings and the static finders, without compressing every file.
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--dry-run"],
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            **placeholders,
            "STATIC_ROOT": str(tmp_path),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "static files copied" in result.stdout
