"""Settings for the test suite: the real stack, PostgreSQL and Redis, on this machine."""

from __future__ import annotations

import base64
import os

from config.env import env_database, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import redis_cache, redis_channel_layer

DEBUG = False
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]  # noqa: F405
SECRET_KEY = "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz-not-secret"  # noqa: S105
DATABASES = {"default": env_database("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/proctor")}
# A Redis database of its own, so a test run never touches a developer's data.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/14")
CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL, "proctor-test")}
CACHES = redis_cache(REDIS_URL, "proctor-test")
CELERY_BROKER_URL = REDIS_URL
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
LANGUAGE_CODE = "zh-hans"
# A fixed Fernet key for face templates in tests (never used anywhere else).
FACE_TEMPLATE_KEY = "dGVzdC1vbmx5LWZhY2UtdGVtcGxhdGUta2V5LTMyYiE="
# Certificates are signed with the suite's own CA and key, made per run (tests/conftest.py) and
# handed to the live processes: never a generated development key.
CERT_SIGNING_REQUIRED = True
# The WebRTC tests run on loopback (bin/in-loopback-netns): production's filter of private,
# loopback and link-local candidates would drop every one of them.
WEBRTC_ICE_PUBLIC_ONLY = False
# A short room scan keeps the browser test's wait short (proctoring.room_scans).
ROOM_SCAN_MIN_SECONDS = 3
ROOM_SCAN_MAX_SECONDS = 8
# Tests make their own evidence signing key, a new one each run (custody.keys), put in the
# environment so the live processes a test starts (web, worker) sign and verify with the same.
EVIDENCE_SIGNING_KEY = os.environ.setdefault(
    "EVIDENCE_SIGNING_KEY", base64.b64encode(os.urandom(32)).decode()
)
EVIDENCE_SIGNING_KEY_REQUIRED = True
