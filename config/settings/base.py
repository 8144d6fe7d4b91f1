"""Settings shared by every environment.

Backends (database, channel layer, broker, cache, storage) are chosen in ``dev``, ``test`` and
``prod``; everything here is the same code path in all of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from config.env import env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("PROCTOR_VAR_DIR", str(BASE_DIR / "var")))

# Real photos, video and models used by tests and benchmarks live beside the checkout, never in it.
SHARED_DATA_DIR = Path(env_str("PROCTOR_SHARED_DATA", str(BASE_DIR.parent / "shared" / "data")))

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "core",
    "accounts",
    "audit",
    "centres",
    "candidates",
    "exams",
    "proctoring",
    "certification",
    "inspections",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.StaffPasswordBackend",
    "accounts.backends.CandidateSessionBackend",
]
LOGIN_URL = "accounts:staff-login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# R-EMG-1: an account locks after this many consecutive failed sign-ins; support unlocks it.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
# Sign-in attempts allowed per client address per minute, whoever they name. A whole exam room
# behind one NAT address signs in at once, so this is generous; per-account limits are tight.
LOGIN_RATE_PER_MINUTE = env_int("LOGIN_RATE_PER_MINUTE", 200)
# R-EXAM-2: candidates may sign in this many minutes before an exam opens.
EXAM_EARLY_LOGIN_MINUTES = env_int("EXAM_EARLY_LOGIN_MINUTES", 30)
# Saves arriving this many seconds after the deadline still count (R-EXAM-9); later ones do not.
EXAM_SAVE_GRACE_SECONDS = env_int("EXAM_SAVE_GRACE_SECONDS", 30)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are served from the finders without collectstatic outside production.
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
CSRF_COOKIE_HTTPONLY = True  # pages hand the token to scripts through a <meta> tag
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Reverse proxies in front of the web processes whose X-Forwarded-For is trusted.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Celery: JSON only, acknowledged after the task ran, re-queued if the worker dies (DESIGN-BRIEF).
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True  # tasks write their results to PostgreSQL, not to a result backend
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"vision.*": {"queue": "vision"}}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # The server owns the clock: papers whose time ran out are submitted by this job (R-EXAM-5).
    "submit-expired-attempts": {"task": "exams.submit_expired_attempts", "schedule": 15.0},
    # A grading task lost with a broker's data must not leave a paper ungraded for ever.
    "regrade-stuck-attempts": {"task": "exams.regrade_stuck_attempts", "schedule": 300.0},
    "clear-expired-sessions": {"task": "core.clear_expired_sessions", "schedule": 6 * 3600.0},
    "send-due-notifications": {"task": "notifications.send_due", "schedule": 30.0},
    "purge-old-notifications": {"task": "notifications.purge_old", "schedule": 24 * 3600.0},
}

# Notifications (R-NOTE-1): gateways are classes in notifications.gateways or elsewhere.
NOTIFICATION_SMS_GATEWAY = env_str("NOTIFICATION_SMS_GATEWAY", "notifications.gateways.FileGateway")
NOTIFICATION_EMAIL_GATEWAY = env_str(
    "NOTIFICATION_EMAIL_GATEWAY", "notifications.gateways.DjangoEmailGateway"
)
NOTIFICATION_OUTBOX = env_str("NOTIFICATION_OUTBOX", str(VAR_DIR / "outbox.jsonl"))
NOTIFICATION_MAX_TRIES = env_int("NOTIFICATION_MAX_TRIES", 5)
NOTIFICATION_RETENTION_DAYS = env_int("NOTIFICATION_RETENTION_DAYS", 180)
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = env_str("SMS_HTTP_TOKEN", "")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}


def redis_channel_layer(url: str, prefix: str) -> dict[str, object]:
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [url], "prefix": prefix, "capacity": 1000, "expiry": 30},
    }


def redis_cache(url: str, prefix: str) -> dict[str, object]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
