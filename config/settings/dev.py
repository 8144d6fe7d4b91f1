"""The embedded default: one machine, nothing to install but Python.

SQLite, the in-memory channel layer and a broker kept in files under ``var/`` (Kombu's
filesystem transport) replace PostgreSQL and Redis; the processes and code paths are those of
production. Set ``DATABASE_URL`` or ``REDIS_URL`` to use the real servers instead.
"""

from __future__ import annotations

from config.env import env_bool, env_database, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR, redis_cache, redis_channel_layer

DEBUG = env_bool("DEBUG", True)
# The product's own "page not found" page, as in production (core.error_pages); set
# DEBUG_OWN_ERROR_PAGES=false for Django's technical 404 that lists the URL patterns.
DEBUG_OWN_ERROR_PAGES = env_bool("DEBUG_OWN_ERROR_PAGES", True)
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]  # noqa: F405  (demo data never reaches production)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the worker write at once: WAL and immediate transactions keep SQLite
    # from failing with "database is locked" under that load.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL, "proctor")}
    CACHES = redis_cache(REDIS_URL, "proctor")
    CELERY_BROKER_URL = REDIS_URL
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _broker = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "queue"),
        "data_folder_out": str(_broker / "queue"),
        "processed_folder": str(_broker / "processed"),
        "control_folder": str(_broker / "control"),
        "store_processed": False,
    }
    # The file transport has no fan-out, so no remote control or worker gossip.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
    for _folder in ("queue", "processed", "control"):
        (_broker / _folder).mkdir(parents=True, exist_ok=True)
