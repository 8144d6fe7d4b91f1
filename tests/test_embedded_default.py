"""The README's run command uses the embedded default: SQLite, the in-memory channel layer and
the file broker. Its set-up steps must work from nothing, and the demo data must be usable."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from exams.models import Exam


def test_migrate_and_seed_work_from_an_empty_directory_on_sqlite(tmp_path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "PROCTOR_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    outputs = []
    for command in (["migrate", "--noinput"], ["seed_demo"], ["seed_demo"], ["check"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert (tmp_path / "db.sqlite3").exists()
    assert (tmp_path / "broker" / "queue").is_dir()
    assert "proctor_a" in outputs[1] and "110105199003072012" in outputs[1]  # the printed logins


@pytest.mark.django_db
def test_the_demo_data_can_be_seeded_twice_and_used() -> None:
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    printed = io.StringIO()
    call_command("seed_demo", stdout=printed)
    assert Exam.objects.count() == 2
    # Each demo candidate's passcodes are printed with their ID number; the last ones work.
    line = next(x for x in printed.getvalue().splitlines() if "110105199003072012" in x)
    formal = re.search(r"formal passcode (\w+)", line)
    assert formal is not None, line
    assert User.objects.filter(username="proctor_a").count() == 1
    client = Client()
    response = client.post(
        "/exam/sign-in/", {"id_number": "110105199003072012", "passcode": formal.group(1)}
    )
    assert response.status_code == 302
    assert client.get("/exam/")["Location"] == "/exam/info/"
    assert client.get("/exam/info/").status_code == 200
    staff = Client()
    response = staff.post(
        "/accounts/sign-in/", {"username": "proctor_a", "password": "demo-pass-2026"}
    )
    assert response.status_code == 302
