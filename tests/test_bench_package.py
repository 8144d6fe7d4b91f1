"""The benchmark commands live in the top-level ``bench`` package: the checkout lists it as an
app (so ``manage.py bench_exam`` and the others work), an installed platform has no such
package and still starts, and no app imports it (an import-linter contract)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from setuptools import find_packages

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = (
    "bench_candidate_import",
    "bench_exam",
    "bench_media",
    "bench_vision",
    "drill_faults",
    "evaluate_vision",
)


def test_the_benchmark_commands_come_from_the_bench_app() -> None:
    assert "bench" in settings.INSTALLED_APPS
    commands = get_commands()
    assert {name: commands.get(name) for name in COMMANDS} == dict.fromkeys(COMMANDS, "bench")
    stray = sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.glob("*/management/commands/bench_*.py")
        if path.parts[-4] != "bench"
    )
    assert stray == []


def test_the_wheel_leaves_the_bench_package_out() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    exclude = config["tool"]["setuptools"]["packages"]["find"]["exclude"]
    packages = find_packages(str(ROOT), exclude=exclude)
    assert "candidates" in packages and "core" in packages
    assert not [p for p in packages if p == "bench" or p.startswith("bench.")]


def test_the_platform_starts_without_the_bench_package() -> None:
    # ``sys.modules["bench"] = None`` makes the package unimportable, as in a wheel install.
    script = (
        "import sys; sys.modules['bench'] = None\n"
        "import django; django.setup()\n"
        "from django.conf import settings; from django.core.management import get_commands\n"
        "assert 'bench' not in settings.INSTALLED_APPS, settings.INSTALLED_APPS\n"
        "assert 'bench_exam' not in get_commands() and 'migrate' in get_commands()\n"
        "from django.core.management import call_command; call_command('check')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
