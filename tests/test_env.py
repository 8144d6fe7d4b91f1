"""Settings read from the environment fail loudly on bad values (STYLE.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("", False)]
)
def test_booleans_are_read(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("FLAG", raw)
    assert env.env_bool("FLAG", not expected) is expected


def test_a_bad_boolean_stops_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env.env_bool("FLAG", False)


def test_a_bad_integer_stops_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNT", "five")
    with pytest.raises(ImproperlyConfigured, match="COUNT"):
        env.env_int("COUNT", 5)


def test_a_missing_required_value_stops_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_THING", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SECRET_THING"):
        env.env_str("SECRET_THING")


def test_secrets_can_come_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("API_KEY_FILE", str(secret))
    assert env.env_str("API_KEY") == "s3cret"


def test_lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env.env_list("HOSTS", []) == ["a.example", "b.example"]


def test_database_urls_are_parsed() -> None:
    config = env.database_from_url("postgres://user:p%40ss@db.internal:6543/exams?sslmode=require")
    assert config == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "exams",
        "USER": "user",
        "PASSWORD": "p@ss",
        "HOST": "db.internal",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require"},
    }
    assert env.database_from_url("sqlite:///var/db.sqlite3")["NAME"] == "var/db.sqlite3"


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host/"])
def test_unsupported_database_urls_are_refused(url: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        env.database_from_url(url)


def run_prod_settings(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.prod"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**base, **extra},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = run_prod_settings(
        {"ALLOWED_HOSTS": "x", "DATABASE_URL": "postgres://h/d", "REDIS_URL": "redis://h"}
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key() -> None:
    result = run_prod_settings(
        {
            "SECRET_KEY": "short",
            "ALLOWED_HOSTS": "x",
            "DATABASE_URL": "postgres://h/d",
            "REDIS_URL": "redis://h",
        }
    )
    assert result.returncode != 0
    assert "40 characters" in result.stderr


COMPLETE = {
    "SECRET_KEY": "k" * 50,
    "EVIDENCE_SIGNING_KEY": "dGVzdC1vbmx5LWV2aWRlbmNlLXNpZ25pbmcta2V5ISE=",
    "ALLOWED_HOSTS": "exam.example",
    "DATABASE_URL": "postgres://h/d",
    "REDIS_URL": "redis://h:6379/0",
    "NOTIFICATION_SMS_GATEWAY": "notifications.gateways.HttpSmsGateway",
    "SMS_HTTP_URL": "https://sms.example/send",
}


def test_production_starts_with_a_complete_environment() -> None:
    result = run_prod_settings(COMPLETE)
    assert result.returncode == 0, result.stderr


def test_production_refuses_the_file_outbox_unless_it_is_a_drill() -> None:
    """The file outbox keeps every passcode on disk and sends nothing."""
    without = {k: v for k, v in COMPLETE.items() if k != "NOTIFICATION_SMS_GATEWAY"}
    refused = run_prod_settings(without)
    assert refused.returncode != 0 and "NOTIFICATION_SMS_GATEWAY" in refused.stderr
    drill = run_prod_settings({**without, "NOTIFICATION_FILE_GATEWAY_FOR_DRILLS": "true"})
    assert drill.returncode == 0, drill.stderr
    no_url = run_prod_settings({k: v for k, v in COMPLETE.items() if k != "SMS_HTTP_URL"})
    assert no_url.returncode != 0 and "SMS_HTTP_URL" in no_url.stderr


def test_production_refuses_to_start_without_the_evidence_signing_key(tmp_path) -> None:
    without = {k: v for k, v in COMPLETE.items() if k != "EVIDENCE_SIGNING_KEY"}
    refused = run_prod_settings(without)
    assert refused.returncode != 0 and "EVIDENCE_SIGNING_KEY" in refused.stderr
    malformed = run_prod_settings({**COMPLETE, "EVIDENCE_SIGNING_KEY": "not-a-key"})
    assert malformed.returncode != 0 and "32-byte Ed25519 seed" in malformed.stderr
    # The key may live in a file the environment names (a mounted secret).
    key_file = tmp_path / "evidence.key"
    key_file.write_text(COMPLETE["EVIDENCE_SIGNING_KEY"])
    from_file = run_prod_settings({**without, "EVIDENCE_SIGNING_KEY_FILE": str(key_file)})
    assert from_file.returncode == 0, from_file.stderr


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"MEDIA_BACKEND": "webrtc"}, "MEDIA_BACKEND"),
        ({"MEDIA_BACKEND": "janus"}, "JANUS_URL, JANUS_ADMIN_URL"),
        (
            {
                "MEDIA_BACKEND": "janus",
                "JANUS_URL": "janus.internal:8088",
                "JANUS_ADMIN_URL": "http://janus.internal:7088/admin",
                "JANUS_ADMIN_SECRET": "s",
                "JANUS_ROOM_ADMIN_KEY": "k",
            },
            "JANUS_URL must be",
        ),
    ],
)
def test_a_media_backend_that_cannot_work_stops_the_process(
    extra: dict[str, str], said: str
) -> None:
    result = run_prod_settings({**COMPLETE, **extra})
    assert result.returncode != 0
    assert said in result.stderr
