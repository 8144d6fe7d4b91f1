"""Production: every backend comes from the environment, and nothing insecure is defaulted."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_database, env_int, env_list, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR, database_pool, redis_cache, redis_channel_layer
from custody.keys import parse_private

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
if len(SECRET_KEY) < 40:
    raise ImproperlyConfigured("SECRET_KEY must be at least 40 characters long.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts this platform answers to.")
# The pages that open WebSockets (to the web processes and to the media process, on its own
# port) are the platform's own, served over HTTPS from its hosts, unless listed otherwise.
WEBSOCKET_ALLOWED_ORIGINS = env_list(
    "WEBSOCKET_ALLOWED_ORIGINS",
    CSRF_TRUSTED_ORIGINS  # noqa: F405
    or [f"https://{host}" for host in ALLOWED_HOSTS if host != "*" and not host.startswith(".")],
)

# The file outbox (the embedded default) would keep every passcode on the server's disk and
# send nothing: production names a real SMS gateway, or says this is a drill.
NOTIFICATION_SMS_GATEWAY = env_str("NOTIFICATION_SMS_GATEWAY", "")
if NOTIFICATION_SMS_GATEWAY in ("", "notifications.gateways.FileGateway") and not env_bool(
    "NOTIFICATION_FILE_GATEWAY_FOR_DRILLS", False
):
    raise ImproperlyConfigured(
        "NOTIFICATION_SMS_GATEWAY must name a real SMS gateway in production, e.g. "
        "notifications.gateways.HttpSmsGateway with SMS_HTTP_URL and SMS_HTTP_TOKEN. "
        "Set NOTIFICATION_FILE_GATEWAY_FOR_DRILLS=true only for drills and benchmarks."
    )
if NOTIFICATION_SMS_GATEWAY == "notifications.gateways.HttpSmsGateway" and not env_str(
    "SMS_HTTP_URL", ""
):
    raise ImproperlyConfigured("HttpSmsGateway needs SMS_HTTP_URL (and SMS_HTTP_TOKEN).")

DATABASES = {"default": env_database("DATABASE_URL")}
# Persistent connections are unsafe under ASGI (each request may run in another thread), so the
# web processes borrow connections from a pool (psycopg_pool) instead of opening one per request.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 0)
# With the pool this is the pool's check of every connection it hands out (database_pool).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL", True):
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    options: dict[str, object] = DATABASES["default"].setdefault("OPTIONS", {})  # type: ignore[assignment]
    options["pool"] = database_pool()
# Requests past the pool's size would wait inside the pool and fail after its time-out; the gate
# (core.admission) holds them at the door instead and answers 503 in time. A few connections are
# left to the WebSocket consumers of the same process.
_pool_max = env_int("DB_POOL_MAX", 20) if env_bool("DB_POOL", True) else 20
WEB_MAX_IN_FLIGHT = env_int("WEB_MAX_IN_FLIGHT", max(1, _pool_max - 4))

REDIS_URL = env_str("REDIS_URL")
CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL, "proctor")}
CACHES = redis_cache(REDIS_URL, "proctor")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)

# Face templates are encrypted with FACE_TEMPLATE_KEY, never with a key file: only the vision
# workers use it, and they refuse to start without it (config.vision_worker); the other processes
# are not given it. A malformed key is vision.E001 in `manage.py check`.
FACE_TEMPLATE_KEY_REQUIRED = True

# Evidence packages are signed with a key kept outside the database: without one the settings
# do not load (custody.keys). EVIDENCE_SIGNING_KEY, or EVIDENCE_SIGNING_KEY_FILE naming the file
# that holds it (a mounted secret).
EVIDENCE_SIGNING_KEY = env_str("EVIDENCE_SIGNING_KEY")
parse_private(EVIDENCE_SIGNING_KEY)  # a malformed key stops the start, not the first package
EVIDENCE_SIGNING_KEY_REQUIRED = True

# Certificates are signed with a key held in files outside the database, never a generated
# development key. The processes that sign and verify (web, migrate) need the files; a file
# that is named but missing stops any process at start, and stamping or verifying without them
# refuses loudly (certification.signing; `manage.py check` reports certification.E001).
CERT_SIGNING_REQUIRED = True
for _name in ("CERT_SIGNING_KEY_FILE", "CERT_SIGNING_CERT_FILE"):
    _path = globals()[_name]
    if _path and not Path(_path).is_file():
        raise ImproperlyConfigured(f"{_name} names no readable file: {_path}")
for _list in ("CERT_SIGNING_CA_FILES", "CERT_SIGNING_EARLIER_CERT_FILES"):
    for _path in globals()[_list]:
        if not Path(_path).is_file():
            raise ImproperlyConfigured(f"{_list} names no readable file: {_path}")

# The media process answers browsers on the internet: it never checks candidates on private,
# loopback or link-local addresses (they would probe the server's own network), and advertises
# only WEBRTC_ICE_HOST_ADDRESSES when set.
WEBRTC_ICE_PUBLIC_ONLY = env_bool("WEBRTC_ICE_PUBLIC_ONLY", True)
if WEBRTC_TURN_URLS and not WEBRTC_TURN_SECRET:  # noqa: F405
    raise ImproperlyConfigured(
        "WEBRTC_TURN_URLS needs WEBRTC_TURN_SECRET (coturn's static-auth-secret)."
    )

WHITENOISE_USE_FINDERS = False
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))  # filled by collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "core.staticfiles.ModuleManifestStaticFilesStorage"},
}
if env_str("STORAGE_BACKEND", "filesystem") == "s3":
    # django-storages is installed only where S3-compatible storage is used.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "default_acl": "private",
            "querystring_auth": True,
        },
    }

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load-balancer probes speak plain HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Off only for a benchmark on plain-HTTP loopback (bench_exam); TLS terminates in front otherwise.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
