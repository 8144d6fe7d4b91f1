"""Start one process of the compose file as far as it goes without a network, in an interpreter
that refuses every installed distribution its image would not carry.

Run by ``tests/test_compose.py`` as ``python tests/start_with_extras.py`` with a JSON request on
standard input: ``{"refused": [top-level import names], "steps": [[step, argument], ...]}``.
The environment is the service's environment from the compose file. This script imports only
the standard library before the refusing finder is in place, so nothing a service lacks can
slip in through the script itself. Exit status 0 means every step ran; otherwise the traceback
on standard error names the import that failed.
"""

from __future__ import annotations

import importlib
import importlib.abc
import json
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any


class RefuseDistributions(importlib.abc.MetaPathFinder):
    """Answers every import of a refused top-level name the way an interpreter without that
    distribution installed would: ``ModuleNotFoundError``, which ``try: import …`` also sees."""

    def __init__(self, refused: set[str]) -> None:
        self.refused = refused

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> None:
        top = fullname.partition(".")[0]
        if top in self.refused:
            raise ModuleNotFoundError(
                f"No module named {fullname!r} (its distribution is not in this image)",
                name=fullname,
            )
        return None


def django_setup(_: str) -> None:
    import django

    django.setup()


def django_urls(_: str) -> None:
    """What the first request does: the URLconf and every view module it names."""
    from django.urls import get_resolver

    def walk(patterns: list[Any]) -> None:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)
            else:
                _ = pattern.callback

    walk(get_resolver().url_patterns)


def system_checks(_: str) -> None:
    """``manage.py check`` without the database: what ``migrate`` and ``check`` run first."""
    from django.core import checks

    errors = [m for m in checks.run_checks() if m.level >= checks.ERROR]
    if errors:
        raise SystemExit("system checks failed: " + "; ".join(str(e) for e in errors))


def migrations(_: str) -> None:
    """Every migration module, loaded as ``migrate`` loads them (no connection needed)."""
    from django.db.migrations.loader import MigrationLoader

    MigrationLoader(None, ignore_no_migrations=True)


def celery_modules(_: str) -> None:
    """What ``celery -A config worker|beat`` imports before its first task: the app and every
    app's ``tasks`` module (autodiscovery)."""
    from config.celery import app

    app.loader.import_default_modules()
    app.finalize(auto=True)


def vision_worker(_: str) -> None:
    """The check a worker of the ``vision`` queue runs before it takes a task."""
    from config import vision_worker

    vision_worker.check()


STEPS: dict[str, Callable[[str], object]] = {
    "import": importlib.import_module,
    "django_setup": django_setup,
    "django_urls": django_urls,
    "system_checks": system_checks,
    "migrations": migrations,
    "celery_modules": celery_modules,
    "vision_worker": vision_worker,
}


def main() -> None:
    request = json.load(sys.stdin)
    sys.meta_path.insert(0, RefuseDistributions(set(request["refused"])))
    for step, argument in request["steps"]:
        STEPS[step](argument)


if __name__ == "__main__":
    main()
