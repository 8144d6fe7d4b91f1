"""What each compose service's image carries, read from the deployment files themselves: the
Dockerfile target a service builds, that target's ``PROCTOR_EXTRAS``, the distributions those
extras bring (pyproject.toml, then the installed distributions' own requirements), and the
import names an image without the other distributions would not have.

Used by tests/test_compose.py to start every service with its image's extras alone.
"""

from __future__ import annotations

import functools
import importlib.metadata as metadata
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "open-proctor"
# Installed with --no-deps by bin/install-image when a vision extra is (face_recognition's dlib
# requirement would build dlib from source, dlib-bin provides the module; silero-vad requires
# torch, which its ONNX model, the one the platform uses, does not need; of mediapipe only the
# BlazeFace weights are read).
NO_DEPS = {
    "vision-core": ["face-recognition", "silero-vad", "mediapipe"],
    "vision": ["face-recognition", "silero-vad", "mediapipe"],
}


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def built_services() -> dict[str, Any]:
    """The services built from the Dockerfile (not postgres and redis)."""
    return {name: s for name, s in compose()["services"].items() if "build" in s}


def dockerfile_targets() -> dict[str, list[str]]:
    """Each Dockerfile stage's name and the extras its ``ENV PROCTOR_EXTRAS`` names, with the
    stage's ``ARG`` defaults substituted (what a plain ``docker build --target`` installs)."""
    targets: dict[str, list[str]] = {}
    stage: str | None = None
    args: dict[str, str] = {}
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if match := re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.IGNORECASE):
            stage, args = match.group(1), {}
        elif match := re.match(r'ARG\s+(\w+)(?:="?([^"]*)"?)?$', line):
            args[match.group(1)] = match.group(2) or ""
        elif stage and (match := re.match(r'ENV\s+PROCTOR_EXTRAS="?([^"]*)"?$', line)):
            value = match.group(1)
            for name, default in args.items():
                value = value.replace("${" + name + "}", default)
            targets[stage] = [e.strip() for e in value.split(",") if e.strip()]
    return targets


def service_extras(service: dict[str, Any]) -> list[str]:
    return dockerfile_targets()[service["build"]["target"]]


def _pyproject_requirements(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def _installed_requirements(name: str, extra: str | None) -> list[Requirement]:
    try:
        requires = metadata.distribution(name).requires or []
    except metadata.PackageNotFoundError:  # excluded by a marker where it was installed
        return []
    wanted = []
    for line in requires:
        requirement = Requirement(line)
        if requirement.marker is None:
            if extra is None:
                wanted.append(requirement)
        elif requirement.marker.evaluate({"extra": extra or ""}):
            wanted.append(requirement)
    return wanted


@functools.cache
def distributions(extras: tuple[str, ...]) -> frozenset[str]:
    """The canonical names of every distribution ``pip install '.[extras]'`` installs, and the
    ones the image adds without dependencies."""
    seen: set[tuple[str, str | None]] = set()
    todo: list[tuple[str, str | None]] = [(PROJECT, None), *((PROJECT, e) for e in extras)]
    while todo:
        name, extra = todo.pop()
        key = (canonicalize_name(name), extra)
        if key in seen:
            continue
        seen.add(key)
        if key[0] == PROJECT:
            requirements = _pyproject_requirements(extra)
            requirements = [r for r in requirements if r.marker is None or r.marker.evaluate()]
        else:
            requirements = _installed_requirements(name, extra)
        for requirement in requirements:
            todo.append((requirement.name, None))
            todo.extend((requirement.name, e) for e in requirement.extras)
    names = {name for name, _ in seen}
    for extra in extras:
        names.update(canonicalize_name(n) for n in NO_DEPS.get(extra, []))
    return frozenset(names)


def refused_imports(extras: tuple[str, ...]) -> list[str]:
    """Top-level import names of the installed distributions outside the image of ``extras``
    (a name that an image distribution also provides stays importable)."""
    inside = distributions(extras)
    refused = set()
    for top, dists in metadata.packages_distributions().items():
        if top in sys.stdlib_module_names:
            continue
        if not any(canonicalize_name(d) in inside for d in dists):
            refused.add(top)
    return sorted(refused)


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?message}``."""

    def one(match: re.Match[str]) -> str:
        name, op, word = match.group(1), match.group(2), match.group(3) or ""
        given = variables.get(name, "")
        if op == ":?" and not given:
            raise KeyError(f"{name}: {word}")
        return given or (word if op == ":-" else "")

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, value)


def service_environment(service: dict[str, Any], variables: dict[str, str]) -> dict[str, str]:
    return {
        k: interpolate(str(v), variables) for k, v in (service.get("environment") or {}).items()
    }


def start_steps(command: list[str]) -> list[list[str]]:
    """What a service's command imports and runs before it serves (tests/start_with_extras.py)."""
    if command[0] == "daphne":
        module = command[-1].partition(":")[0]
        steps = [["import", "daphne.server"], ["import", module]]
        if module == "config.asgi":  # the Django views, which the first request imports
            steps.append(["django_urls", ""])
        return steps
    if command[:3] == ["python", "manage.py", "migrate"]:
        return [
            ["import", "django.core.management.commands.migrate"],
            ["django_setup", ""],
            ["system_checks", ""],
            ["migrations", ""],
        ]
    if command[:3] == ["celery", "-A", "config"] and command[3] == "worker":
        queues = command[command.index("-Q") + 1].split(",")
        steps = [["import", "celery.apps.worker"], ["celery_modules", ""]]
        if "vision" in queues:
            steps.append(["vision_worker", ""])
        return steps
    if command[:4] == ["celery", "-A", "config", "beat"]:
        return [["import", "celery.apps.beat"], ["celery_modules", ""]]
    raise AssertionError(f"tests/service_images.py does not know how {command} starts")
