"""Settings shared by every environment.

Backends (database, channel layer, broker, cache, storage) are chosen in ``dev``, ``test`` and
``prod``; everything here is the same code path in all of them.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import socket
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("PROCTOR_VAR_DIR", str(BASE_DIR / "var")))

# Real photos, video and models used by tests and benchmarks live beside the checkout, never in it.
SHARED_DATA_DIR = Path(env_str("PROCTOR_SHARED_DATA", str(BASE_DIR.parent / "shared" / "data")))

INSTALLED_APPS = [
    "daphne",
    "accounts.admin_config.PlatformAdminConfig",  # the Django admin, with the platform's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "core",
    "reference",
    "accounts",
    "audit",
    "centres",
    "candidates",
    "questionbank",
    "exams",
    "proctoring",
    "certification",
    "inspections",
    "notifications",
    "vision",
    "support",
    "jobs",
    "custody",
    "review",
]
# The benchmark commands (bench_exam, bench_media, ...) live in a package of the checkout that an
# installed platform does not carry (pyproject leaves it out of the wheel); without it the
# platform runs the same.
if importlib.util.find_spec("bench") is not None:
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.security_headers.SecurityHeadersMiddleware",
    "config.api.JsonMethodErrors",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.idle.IdleTimeout",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A limit that refuses while Redis is away answers 503 "try again", never a server error.
    "core.unavailable.UnavailableMiddleware",
    # Under DEBUG, the project's own 404 page instead of Django's technical one (dev settings).
    "core.error_pages.OwnNotFoundPage",
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

# R-EMG-1: failed sign-ins slow down, they never lock. Anyone may type someone else's ID number
# or username, so a lock would be a way to shut a candidate out of their exam. After
# LOGIN_FREE_FAILURES failures for one ID number or username (LOGIN_FREE_FAILURES_PER_ADDRESS
# for one address: a whole room shares a NAT address), each further try waits twice as long,
# up to LOGIN_MAX_DELAY_SECONDS; failures are forgotten LOGIN_FAILURE_MEMORY_SECONDS after the
# last one. Staff may still lock an account by hand; support unlocks it.
LOGIN_FREE_FAILURES = env_int("LOGIN_FREE_FAILURES", 3)
LOGIN_FREE_FAILURES_PER_ADDRESS = env_int("LOGIN_FREE_FAILURES_PER_ADDRESS", 30)
LOGIN_MAX_DELAY_SECONDS = env_int("LOGIN_MAX_DELAY_SECONDS", 60)
LOGIN_FAILURE_MEMORY_SECONDS = env_int("LOGIN_FAILURE_MEMORY_SECONDS", 900)
# An exam session counts as alive (a second sign-in is refused) while its page was heard from
# (an answer saved, the paper read, a page event, its live channel's ping every 30 s) this many
# seconds ago.
EXAM_SESSION_ALIVE_SECONDS = env_int("EXAM_SESSION_ALIVE_SECONDS", 75)
# Sign-in attempts allowed per client address per minute, whoever they name. A whole exam room
# behind one NAT address signs in at once, so this is generous; per-account limits are tight.
LOGIN_RATE_PER_MINUTE = env_int("LOGIN_RATE_PER_MINUTE", 200)
# R-EXAM-2: candidates may sign in this many minutes before an exam opens.
EXAM_EARLY_LOGIN_MINUTES = env_int("EXAM_EARLY_LOGIN_MINUTES", 30)
# Saves arriving this many seconds after the deadline still count (R-EXAM-9); later ones do not.
EXAM_SAVE_GRACE_SECONDS = env_int("EXAM_SAVE_GRACE_SECONDS", 30)
# Admission control of a web process (core.admission): at most this many HTTP requests in flight
# at once (0: no gate, as in the embedded platform); a request waits up to
# WEB_ADMISSION_WAIT_SECONDS for a place, behind at most WEB_ADMISSION_MAX_WAITING others, and is
# otherwise answered 503 with Retry-After. Production sets the limit to the database pool's size.
WEB_MAX_IN_FLIGHT = env_int("WEB_MAX_IN_FLIGHT", 0)
# A short wait: past capacity a long line only makes every admitted request as late as the line
# is long (bench_exam at 1,000 candidates: p95 3.7 s with 3 s and 200, 1.2 s with 0.5 s and 32,
# nothing lost either way; docs/performance.md).
WEB_ADMISSION_WAIT_SECONDS = env_float("WEB_ADMISSION_WAIT_SECONDS", 0.5)
WEB_ADMISSION_MAX_WAITING = env_int("WEB_ADMISSION_MAX_WAITING", 32)
# Public score/certificate queries and verification pages per client address and minute.
CERT_QUERY_RATE_PER_MINUTE = env_int("CERT_QUERY_RATE_PER_MINUTE", 20)
# The query page's certificate download (a PDF with the holder's name and ID number) works once,
# within this many minutes of the query (certification.views.public).
CERT_DOWNLOAD_MINUTES = env_int("CERT_DOWNLOAD_MINUTES", 10)
# The certificate signing key (certification.signing): PEM files of the key and its X.509
# certificate, and of the CA chain that issued it (verification trusts that chain, or the
# signing certificate itself without one). Never in the database. Production requires them
# (CERT_SIGNING_REQUIRED); the embedded default makes a self-signed pair in CERT_SIGNING_DEV_DIR.
CERT_SIGNING_KEY_FILE = env_str("CERT_SIGNING_KEY_FILE", "")
CERT_SIGNING_CERT_FILE = env_str("CERT_SIGNING_CERT_FILE", "")
CERT_SIGNING_CA_FILES = env_list("CERT_SIGNING_CA_FILES", [])
# The certificates (PEM) of signing keys used before a rotation: what they signed still verifies.
CERT_SIGNING_EARLIER_CERT_FILES = env_list("CERT_SIGNING_EARLIER_CERT_FILES", [])
CERT_SIGNING_REQUIRED = False
CERT_SIGNING_DEV_DIR = VAR_DIR / "certificate-signing"
# The public address the certificates' QR codes carry (https://exam.example.org); empty: the
# address of the request that stamped them. The PDF is kept, so set it before stamping.
CERT_PUBLIC_BASE_URL = env_str("CERT_PUBLIC_BASE_URL", "")
# The largest PDF the public verification page accepts for a check, in bytes.
CERT_VERIFY_MAX_BYTES = env_int("CERT_VERIFY_MAX_BYTES", 5 * 1024 * 1024)
# The largest answer (as JSON text) one save may carry; short answers are limited by the bank too.
EXAM_MAX_ANSWER_CHARS = env_int("EXAM_MAX_ANSWER_CHARS", 25000)
# Page events (leaving, copy attempts) one attempt may report per minute.
EXAM_EVENTS_PER_MINUTE = env_int("EXAM_EVENTS_PER_MINUTE", 60)
# R-EXAM-1: the longest short-answer response and fill-in blank a candidate may send (characters).
QUESTIONBANK_SHORT_ANSWER_MAX_CHARS = env_int("QUESTIONBANK_SHORT_ANSWER_MAX_CHARS", 20000)
QUESTIONBANK_FILL_IN_MAX_CHARS = env_int("QUESTIONBANK_FILL_IN_MAX_CHARS", 200)
# The largest question file (xlsx or Moodle XML) an import accepts, in bytes.
QUESTIONBANK_IMPORT_MAX_BYTES = env_int("QUESTIONBANK_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# Every spreadsheet import (core.spreadsheets): the rows read from a sheet, empty ones included
# (above the largest import, 50,000 candidates); what the workbook's parts may unpack to; and how
# much tighter than its unpacked size a part may be packed (sheets of data stay below 20).
SPREADSHEET_MAX_ROWS = env_int("SPREADSHEET_MAX_ROWS", 60_000)
SPREADSHEET_MAX_UNPACKED_BYTES = env_int("SPREADSHEET_MAX_UNPACKED_BYTES", 100 * 1024 * 1024)
SPREADSHEET_MAX_RATIO = env_int("SPREADSHEET_MAX_RATIO", 200)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# The platform's own date and time formats per language (English on a 24-hour clock).
FORMAT_MODULE_PATH = ["config.formats"]
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

# Sessions live in PostgreSQL only, so a signed-in candidate needs nothing else to save
# answers: with Redis away (restarting, failed over) every page and save goes on. The cache in
# front (``cached_db``) bought little: measured on the reference machine, a session read took
# 0.46 ms from Redis and 0.78 ms from PostgreSQL (a primary-key read), against about 12 ms of
# CPU per answer save. And it cannot survive an outage correctly: a session changed or ended
# (a sign-out) while Redis was away would come back from the stale cached copy once Redis
# returned.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
# Idle time-out (accounts.idle, core.idle_sessions): a signed-in session without a request or a
# WebSocket message for this many minutes is signed out, whatever is left of the 12 hours above;
# 0 turns it off. An open exam page never goes idle (its live channel pings every 30 s).
STAFF_IDLE_MINUTES = env_int("STAFF_IDLE_MINUTES", 30)
CANDIDATE_IDLE_MINUTES = env_int("CANDIDATE_IDLE_MINUTES", 30)
CSRF_COOKIE_HTTPONLY = True  # pages hand the token to scripts through a <meta> tag
# A JSON endpoint's failed CSRF check answers {"code", "message"} like its other refusals.
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Pages of these origins (scheme://host:port) may open WebSockets besides the socket's own
# origin (core.websocket_origin); the media process, on its own port, needs the web origins.
WEBSOCKET_ALLOWED_ORIGINS = env_list("WEBSOCKET_ALLOWED_ORIGINS", CSRF_TRUSTED_ORIGINS)
# Reverse proxies in front of the web processes whose X-Forwarded-For is trusted.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Celery: JSON only, acknowledged after the task ran, re-queued if the worker dies.
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
# Workers and beat keep the LOGGING configuration below (its scrubbing filter among it) instead
# of replacing the root logger's handlers with Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # The server owns the clock: papers whose time ran out are submitted by this job (R-EXAM-5).
    "submit-expired-attempts": {"task": "exams.submit_expired_attempts", "schedule": 15.0},
    # A grading task lost (its worker killed, the broker away at submission) must not leave a
    # paper ungraded: EXAM_REGRADE_AFTER_SECONDS plus this period is the longest a paper waits.
    "regrade-stuck-attempts": {"task": "exams.regrade_stuck_attempts", "schedule": 15.0},
    "clear-expired-sessions": {"task": "core.clear_expired_sessions", "schedule": 6 * 3600.0},
    "send-due-notifications": {"task": "notifications.send_due", "schedule": 30.0},
    "purge-old-notifications": {"task": "notifications.purge_old", "schedule": 3600.0},
    "purge-enrolment-images": {"task": "vision.purge_enrolment_images", "schedule": 24 * 3600.0},
    "purge-vision-evidence": {"task": "vision.purge_evidence", "schedule": 24 * 3600.0},
    "purge-recordings": {"task": "proctoring.purge_recordings", "schedule": 24 * 3600.0},
    "purge-registered-photos": {
        "task": "candidates.purge_registered_photos",
        "schedule": 24 * 3600.0,
    },
    "purge-face-templates": {"task": "vision.purge_face_templates", "schedule": 24 * 3600.0},
    "purge-old-audit-entries": {"task": "audit.purge_old_entries", "schedule": 24 * 3600.0},
    # Overdue rectification items are reported to the level above, once per deadline (R-INSP-4).
    "escalate-overdue-rectifications": {"task": "inspections.escalate_overdue", "schedule": 600.0},
    "purge-old-support-records": {"task": "support.purge_old_records", "schedule": 24 * 3600.0},
    "purge-old-background-jobs": {"task": "jobs.purge_old", "schedule": 24 * 3600.0},
}

# Registered ID photos go this many days after the candidate's last exam closed
# (candidates.retention); the audit log keeps entries this many days, then exports them to a
# gzip JSON Lines file in storage (audit-exports/, at most AUDIT_EXPORT_BATCH entries a file)
# and deletes them (audit.retention). Both purges run daily.
PHOTO_RETENTION_DAYS = env_int("PHOTO_RETENTION_DAYS", 180)
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 3 * 365)
AUDIT_EXPORT_BATCH = env_int("AUDIT_EXPORT_BATCH", 50_000)

# Background jobs (imports, PDF batches): kept this many days after they finished; progress is
# written to the database every this many rows.
JOBS_RETENTION_DAYS = env_int("JOBS_RETENTION_DAYS", 7)
JOBS_PROGRESS_EVERY = env_int("JOBS_PROGRESS_EVERY", 50)
# How long a job may run on its worker before it is stopped (and fails, having changed nothing):
# the default, and the imports' own (an upload must not hold a worker for long).
JOBS_TIME_LIMIT_SECONDS = env_int("JOBS_TIME_LIMIT_SECONDS", 30 * 60)
JOBS_IMPORT_TIME_LIMIT_SECONDS = env_int("JOBS_IMPORT_TIME_LIMIT_SECONDS", 5 * 60)

# With Redis as the broker, a task a worker took but never acknowledged (the whole worker was
# killed; a lost pool process is re-queued at once, CELERY_TASK_REJECT_ON_WORKER_LOST) goes back
# to the queue only after the visibility time-out. It must be longer than the longest task and
# the furthest ETA a worker holds (a background job may run JOBS_TIME_LIMIT_SECONDS), or a job
# still running would be delivered and run a second time; Redis's default is one hour. Grading
# does not wait for it: the re-grade job (CELERY_BEAT_SCHEDULE) queues again any paper still
# ungraded EXAM_REGRADE_AFTER_SECONDS after its grading was due, and grading twice is harmless
# (exams.services.grade).
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": JOBS_TIME_LIMIT_SECONDS + 10 * 60,
}
# A submitted paper whose grading task has not finished this many seconds after grading was
# due is queued again (exams.services.stuck_in_grading): grading takes well under a second, so
# this only catches lost tasks, and with the job's 15 s period a paper is graded within a minute
# of a worker's death.
EXAM_REGRADE_AFTER_SECONDS = env_int("EXAM_REGRADE_AFTER_SECONDS", 45)

# Notifications (R-NOTE-1): gateways are classes in notifications.gateways or elsewhere.
NOTIFICATION_SMS_GATEWAY = env_str("NOTIFICATION_SMS_GATEWAY", "notifications.gateways.FileGateway")
NOTIFICATION_EMAIL_GATEWAY = env_str(
    "NOTIFICATION_EMAIL_GATEWAY", "notifications.gateways.DjangoEmailGateway"
)
NOTIFICATION_OUTBOX = env_str("NOTIFICATION_OUTBOX", str(VAR_DIR / "outbox.jsonl"))
NOTIFICATION_MAX_TRIES = env_int("NOTIFICATION_MAX_TRIES", 5)
NOTIFICATION_RETENTION_DAYS = env_int("NOTIFICATION_RETENTION_DAYS", 180)
# Message texts (passcodes among them) are blanked this long after sending, in the delivery log
# and in the file outbox; the log keeps who was sent what kind of message, and when.
NOTIFICATION_BODY_RETENTION_HOURS = env_int("NOTIFICATION_BODY_RETENTION_HOURS", 24)
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = env_str("SMS_HTTP_TOKEN", "")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")

# Inspections (R-INSP): evidence files and photos, per file and per upload.
INSPECTION_EVIDENCE_MAX_BYTES = env_int("INSPECTION_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
INSPECTION_EVIDENCE_MAX_FILES = env_int("INSPECTION_EVIDENCE_MAX_FILES", 10)

# Support (R-EXAM-3, R-EXAM-10, R-EXAM-11, R-EMG-4, R-EMG-5).
SUPPORT_CHAT_MAX_CHARS = env_int("SUPPORT_CHAT_MAX_CHARS", 1000)
SUPPORT_CHAT_MESSAGES_PER_MINUTE = env_int("SUPPORT_CHAT_MESSAGES_PER_MINUTE", 12)
SUPPORT_CHAT_RETENTION_DAYS = env_int("SUPPORT_CHAT_RETENTION_DAYS", 180)
SUPPORT_SCREENSHOT_MAX_BYTES = env_int("SUPPORT_SCREENSHOT_MAX_BYTES", 5 * 1024 * 1024)
SUPPORT_MAKEUP_RETENTION_DAYS = env_int("SUPPORT_MAKEUP_RETENTION_DAYS", 365)
SUPPORT_DEVICE_CHECK_RETENTION_DAYS = env_int("SUPPORT_DEVICE_CHECK_RETENTION_DAYS", 90)
# S1: every candidate needs at least 2 MB/s upload.
SUPPORT_MIN_UPLOAD_MB_PER_S = env_float("SUPPORT_MIN_UPLOAD_MB_PER_S", 2.0)
SUPPORT_SPEED_TEST_MAX_BYTES = env_int("SUPPORT_SPEED_TEST_MAX_BYTES", 2 * 1024 * 1024)
SUPPORT_SPEED_TEST_PER_MINUTE = env_int("SUPPORT_SPEED_TEST_PER_MINUTE", 30)
SUPPORT_PASSCODE_REISSUES_PER_HOUR = env_int("SUPPORT_PASSCODE_REISSUES_PER_HOUR", 3)

# Vision workers (issue 3). Defaults measured on ../shared/data; see docs/vision.md.
SHARED_MODELS_DIR = Path(env_str("PROCTOR_SHARED_MODELS", str(SHARED_DATA_DIR.parent / "models")))
# A weights file, or on a machine with internet an Ultralytics name such as "yolov8n.pt".
VISION_YOLO_WEIGHTS = env_str("VISION_YOLO_WEIGHTS", str(SHARED_MODELS_DIR / "yolov8n_int8.tflite"))
VISION_YOLO_IMGSZ = env_int("VISION_YOLO_IMGSZ", 640)
# "litert": .tflite weights run on LiteRT directly (vision/yolo_lite.py); "ultralytics": predict().
VISION_YOLO_RUNTIME = env_str("VISION_YOLO_RUNTIME", "litert")
VISION_YOLO_THREADS = env_int("VISION_YOLO_THREADS", 1)
VISION_MAX_MEGAPIXELS = env_int("VISION_MAX_MEGAPIXELS", 40)  # uploads above this are refused
VISION_FACE_DETECT_MAX_SIDE = env_int("VISION_FACE_DETECT_MAX_SIDE", 800)
VISION_FACE_DETECT_UPSAMPLE = env_int("VISION_FACE_DETECT_UPSAMPLE", 1)
VISION_MIN_FACE_PX = env_int("VISION_MIN_FACE_PX", 60)
VISION_MIN_FACE_BRIGHTNESS = env_int("VISION_MIN_FACE_BRIGHTNESS", 40)
VISION_MIN_FACE_SHARPNESS = env_int("VISION_MIN_FACE_SHARPNESS", 20)
# Same person below this distance: same-person pairs on the shared faces reach 0.52, different
# people start at 0.70 (docs/vision.md).
VISION_FACE_DISTANCE_THRESHOLD = env_float("VISION_FACE_DISTANCE_THRESHOLD", 0.6)
# A different-person alert needs this many analysed frames in a row showing someone else: one
# frame (a turned head, a passer-by, a cut in the shared clip) accuses nobody (proctoring.alerts).
VISION_IDENTITY_CONSECUTIVE_FRAMES = env_int("VISION_IDENTITY_CONSECUTIVE_FRAMES", 3)
# The same for a covered face: one blurred or turned-away frame shows a person without a face
# (docs/ai-evaluation.md). Looking away too: with BlazeFace finding turned faces, single glances
# doubled the honest low flags of the evaluation; two frames (10 s at the production cadence)
# are a look away, one is a glance.
VISION_COVERED_CONSECUTIVE_FRAMES = env_int("VISION_COVERED_CONSECUTIVE_FRAMES", 2)
VISION_LOOKING_AWAY_CONSECUTIVE_FRAMES = env_int("VISION_LOOKING_AWAY_CONSECUTIVE_FRAMES", 2)
VISION_IDENTITY_VALID_MINUTES = env_int("VISION_IDENTITY_VALID_MINUTES", 30)
VISION_ENROLMENT_IMAGE_RETENTION_DAYS = env_int("VISION_ENROLMENT_IMAGE_RETENTION_DAYS", 30)
# Biometric data is kept the shortest: a candidate's face (encrypted template, enrolment image
# and enrolment) goes this many days after their last exam closed (vision.purge_face_templates).
FACE_TEMPLATE_RETENTION_DAYS = env_int("FACE_TEMPLATE_RETENTION_DAYS", 30)
VISION_EVIDENCE_RETENTION_DAYS = env_int("VISION_EVIDENCE_RETENTION_DAYS", 180)
# Object classes that count as devices, and the confidence that raises an alert.
VISION_DEVICE_MIN_CONFIDENCE = env_float("VISION_DEVICE_MIN_CONFIDENCE", 0.4)
VISION_PERSON_MIN_CONFIDENCE = env_float("VISION_PERSON_MIN_CONFIDENCE", 0.55)
# Head turn (nose offset in half face widths) above which a frame counts as looking away. Single
# frames vary by up to 0.25 with the face box (docs/vision.md), so this is set high.
VISION_LOOKING_AWAY_YAW = env_float("VISION_LOOKING_AWAY_YAW", 0.6)
# Face covered: under this share of skin-coloured pixels below the nose, or one eye region this
# many times brighter than the other (a hand over it).
VISION_COVER_MIN_LOWER_SKIN = env_float("VISION_COVER_MIN_LOWER_SKIN", 0.5)
VISION_COVER_MAX_EYE_RATIO = env_float("VISION_COVER_MAX_EYE_RATIO", 2.0)
# Liveness: head-turn range (in half face widths) or eye closing (EAR ratio) within a burst.
VISION_LIVENESS_MIN_YAW_RANGE = env_float("VISION_LIVENESS_MIN_YAW_RANGE", 0.3)
VISION_LIVENESS_BLINK_RATIO = env_float("VISION_LIVENESS_BLINK_RATIO", 0.75)
VISION_BURST_MAX_FRAMES = env_int("VISION_BURST_MAX_FRAMES", 20)
# Talking: share of 30 ms audio frames that are voiced within a chunk.
# The detector: "silero" (trained, on onnxruntime; the better on speech against room noise and
# typing, docs/vision.md) or "energy" (numpy only, for an install without onnxruntime).
VISION_VOICE_DETECTOR = env_str("VISION_VOICE_DETECTOR", "silero")
VISION_VOICE_RATIO = env_float("VISION_VOICE_RATIO", 0.3)
# Frame analysis: YOLO detections kept from this confidence; faces searched on a copy whose
# longer side is this; the identity encoding recomputed at least this often (or when the face
# moves); the device classes of COCO that count in the computer view and in the phone view
# (which shows the candidate's own computer).
VISION_OBJECT_MIN_CONFIDENCE = env_float("VISION_OBJECT_MIN_CONFIDENCE", 0.25)
VISION_FRAME_FACE_MAX_SIDE = env_int("VISION_FRAME_FACE_MAX_SIDE", 640)
VISION_FRAME_FACE_UPSAMPLE = env_int("VISION_FRAME_FACE_UPSAMPLE", 0)
# The frame analysis' face detector: "blazeface" (MediaPipe's BlazeFace on LiteRT, weights from
# the mediapipe wheel; a few ms a frame) or "hog" (dlib's HOG on a copy of at most
# VISION_FRAME_FACE_MAX_SIDE pixels, the former path). dlib describes the face either way.
VISION_FACE_DETECTOR = env_str("VISION_FACE_DETECTOR", "blazeface")
VISION_BLAZEFACE_MODEL = env_str("VISION_BLAZEFACE_MODEL", "full")  # "full" or "short" range
VISION_BLAZEFACE_MIN_SCORE = env_float("VISION_BLAZEFACE_MIN_SCORE", 0.5)
# A stream's frame that changed less than this (grey levels, worst 4x4 block of a 64x36
# thumbnail) keeps the last full result, for at most this many seconds.
VISION_MOTION_THRESHOLD = env_float("VISION_MOTION_THRESHOLD", 3.0)
VISION_FULL_ANALYSIS_EVERY_SECONDS = env_float("VISION_FULL_ANALYSIS_EVERY_SECONDS", 2.0)
VISION_ENCODE_EVERY_SECONDS = env_float("VISION_ENCODE_EVERY_SECONDS", 10.0)
VISION_DEVICE_CLASSES = env_list(
    "VISION_DEVICE_CLASSES", ["cell phone", "laptop", "tv", "keyboard", "book"]
)
VISION_DEVICE_CLASSES_VIEW2 = env_list("VISION_DEVICE_CLASSES_VIEW2", ["cell phone", "book"])
# A second person counts from this confidence (one person often yields a weaker second box).
VISION_EXTRA_PERSON_MIN_CONFIDENCE = env_float("VISION_EXTRA_PERSON_MIN_CONFIDENCE", 0.75)
# Random snapshots kept per hour of exam (R-PROC-4).
VISION_SNAPSHOTS_PER_HOUR = env_int("VISION_SNAPSHOTS_PER_HOUR", 6)
# A Fernet key (urlsafe base64, 32 bytes) for face templates; prod requires FACE_TEMPLATE_KEY.
FACE_TEMPLATE_KEY = env_str("FACE_TEMPLATE_KEY", "")
# Without a key, dev generates one in this file on first use; prod requires the key instead.
FACE_TEMPLATE_KEY_FILE_DEFAULT = VAR_DIR / "face-template.key"
FACE_TEMPLATE_KEY_REQUIRED = False
# Evidence packages (custody): the Ed25519 key that signs them, never in the database. The base64
# of a 32-byte seed or a PEM, from EVIDENCE_SIGNING_KEY or the file EVIDENCE_SIGNING_KEY_FILE
# names; without either, the embedded default generates one in the file below, while
# production refuses to start. EVIDENCE_VERIFY_KEYS: the base64 raw public keys of earlier
# signing keys, so packages signed before a rotation still verify (docs/operations.md).
EVIDENCE_SIGNING_KEY = env_str("EVIDENCE_SIGNING_KEY", "")
EVIDENCE_SIGNING_KEY_FILE_DEFAULT = VAR_DIR / "evidence-signing.key"
EVIDENCE_SIGNING_KEY_REQUIRED = False
EVIDENCE_VERIFY_KEYS = env_list("EVIDENCE_VERIFY_KEYS", [])
# The largest package the staff verification page accepts (a 90-minute attempt's two views at
# the recorder's bit rate are about 600 MB).
EVIDENCE_VERIFY_MAX_BYTES = env_int("EVIDENCE_VERIFY_MAX_BYTES", 2 * 1024**3)
# Ultralytics keeps its settings here, never in the user's home, and never goes online.
os.environ.setdefault("YOLO_CONFIG_DIR", str(VAR_DIR / "ultralytics"))
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_VERBOSE", "False")  # keeps --json output of the commands clean
os.environ.setdefault("YOLO_AUTOINSTALL", "False")  # never pip-install at run time

# Live proctoring media process (config.media_asgi, proctoring.media). The host addresses its
# WebRTC peers advertise (ICE host candidates); empty = every non-loopback interface. No STUN or
# TURN server is ever used unless one is configured (WEBRTC_STUN_URLS, WEBRTC_TURN_URLS: a
# server outside would both leak addresses and hang tests on a closed network).
WEBRTC_ICE_HOST_ADDRESSES = env_list("WEBRTC_ICE_HOST_ADDRESSES", [])
# The UDP ports the host candidates bind, both ends included (0, 0: any port the system gives).
# A container publishes exactly this range (docker-compose.yml), the same numbers on both sides.
WEBRTC_ICE_PORT_MIN = env_int("WEBRTC_ICE_PORT_MIN", 0)
WEBRTC_ICE_PORT_MAX = env_int("WEBRTC_ICE_PORT_MAX", 0)
if (WEBRTC_ICE_PORT_MIN or WEBRTC_ICE_PORT_MAX) and not (
    1024 <= WEBRTC_ICE_PORT_MIN <= WEBRTC_ICE_PORT_MAX <= 65535
):
    raise ImproperlyConfigured(
        "WEBRTC_ICE_PORT_MIN and WEBRTC_ICE_PORT_MAX must both be set, "
        "1024 <= WEBRTC_ICE_PORT_MIN <= WEBRTC_ICE_PORT_MAX <= 65535."
    )
# The address announced in the host candidates in place of the one they are bound to: the
# public address of a media process behind 1:1 NAT (a cloud VM, or a container whose published
# ports forward to it). Empty: the bound address itself.
WEBRTC_ICE_ANNOUNCED_ADDRESS = env_str("WEBRTC_ICE_ANNOUNCED_ADDRESS", "")
if WEBRTC_ICE_ANNOUNCED_ADDRESS:
    try:
        ipaddress.ip_address(WEBRTC_ICE_ANNOUNCED_ADDRESS)
    except ValueError:
        raise ImproperlyConfigured(
            f"WEBRTC_ICE_ANNOUNCED_ADDRESS={WEBRTC_ICE_ANNOUNCED_ADDRESS!r} is not an IP address."
        ) from None
# Keep only loopback ICE candidates from the browser (tests and single-machine demos).
WEBRTC_ICE_LOOPBACK_ONLY = env_bool("WEBRTC_ICE_LOOPBACK_ONLY", False)
# Drop remote ICE candidates whose address is private, loopback or link-local (or an mDNS name),
# so a browser cannot point the media process's connectivity checks at the server's own network.
# On in production (prod.py); a candidate's traffic then arrives from a public address or a relay.
WEBRTC_ICE_PUBLIC_ONLY = env_bool("WEBRTC_ICE_PUBLIC_ONLY", False)
# STUN and TURN servers for the pages and the media process (proctoring.ice), e.g.
# "stun:turn.example:3478" and "turn:turn.example:3478?transport=udp,turns:turn.example:5349".
WEBRTC_STUN_URLS = env_list("WEBRTC_STUN_URLS", [])
WEBRTC_TURN_URLS = env_list("WEBRTC_TURN_URLS", [])
# The TURN server's shared secret (coturn static-auth-secret): credentials are derived from it
# per user and expire after the TTL. Pages get theirs when rendered, so the TTL covers the
# longest exam page (a reconnect late in the exam still authenticates).
WEBRTC_TURN_SECRET = env_str("WEBRTC_TURN_SECRET", "")
WEBRTC_TURN_TTL_SECONDS = env_int("WEBRTC_TURN_TTL_SECONDS", 4 * 3600)
# "all" or "relay" (the pages use only TURN relay candidates: networks that block direct UDP).
WEBRTC_ICE_TRANSPORT_POLICY = env_str("WEBRTC_ICE_TRANSPORT_POLICY", "all")
if WEBRTC_ICE_TRANSPORT_POLICY not in ("all", "relay"):
    raise ImproperlyConfigured('WEBRTC_ICE_TRANSPORT_POLICY must be "all" or "relay".')
# A frame of each view is stored as evidence and analysed this often (R-PROC-4).
WEBRTC_SAMPLE_EVERY_SECONDS = env_float("WEBRTC_SAMPLE_EVERY_SECONDS", 5.0)
# A small JPEG of each live view goes to the proctors' grid this often (view.thumbnail events).
WEBRTC_THUMBNAIL_EVERY_SECONDS = env_float("WEBRTC_THUMBNAIL_EVERY_SECONDS", 1.0)
# The name of this media process, recorded with the views it holds, so that on a restart it marks
# exactly its own views lost. Give each media process of a machine its own (e.g. host:port).
MEDIA_PROCESS_ID = env_str("MEDIA_PROCESS_ID", socket.gethostname())
# A chunk of the candidate's microphone (view 1) goes to voice activity detection this often, and
# how long it is (R-PROC-3; proctoring.media.audio_sampling).
WEBRTC_AUDIO_EVERY_SECONDS = env_float("WEBRTC_AUDIO_EVERY_SECONDS", 10.0)
WEBRTC_AUDIO_CHUNK_SECONDS = env_float("WEBRTC_AUDIO_CHUNK_SECONDS", 3.0)
# The media plane (issue 18): "aiortc", the embedded default (the media process is the WebRTC peer
# of every view), or "janus", a Janus SFU the media process drives over its HTTP API
# (proctoring.media.janus_backend): candidates publish to a VideoRoom per exam room, proctors
# subscribe, and the platform keeps signalling and authorisation. Janus is never open to the
# world: its client API (JANUS_URL) and admin API (JANUS_ADMIN_URL) listen on a private network,
# and every request carries a token the media process added with the admin secret. Rooms are
# created only with the VideoRoom plugin's admin key (its admin_key in janus.plugin.videoroom.jcfg).
MEDIA_BACKEND = env_str("MEDIA_BACKEND", "aiortc")
JANUS_URL = env_str("JANUS_URL", "")
JANUS_ADMIN_URL = env_str("JANUS_ADMIN_URL", "")
JANUS_ADMIN_SECRET = env_str("JANUS_ADMIN_SECRET", "")
JANUS_ROOM_ADMIN_KEY = env_str("JANUS_ROOM_ADMIN_KEY", "")
if MEDIA_BACKEND not in ("aiortc", "janus"):
    raise ImproperlyConfigured(f'MEDIA_BACKEND={MEDIA_BACKEND!r}: use "aiortc" or "janus".')
if MEDIA_BACKEND == "janus":
    _missing = [
        name
        for name in ("JANUS_URL", "JANUS_ADMIN_URL", "JANUS_ADMIN_SECRET", "JANUS_ROOM_ADMIN_KEY")
        if not globals()[name]
    ]
    if _missing:
        raise ImproperlyConfigured(f"MEDIA_BACKEND=janus needs {', '.join(_missing)}.")
    for _name in ("JANUS_URL", "JANUS_ADMIN_URL"):
        if not str(globals()[_name]).startswith(("http://", "https://")):
            raise ImproperlyConfigured(f"{_name} must be an http:// or https:// URL.")
# Where the candidate's page opens the media WebSocket; empty = same host, port 8001.
WEBRTC_WS_BASE = env_str("WEBRTC_WS_BASE", "")
# The phone's second view is paired by a single-use QR link valid this long (proctoring.pairing).
PHONE_PAIRING_TTL_SECONDS = env_int("PHONE_PAIRING_TTL_SECONDS", 600)
# Opens of pairing links per client address and minute (the link is public: no sign-in).
PHONE_PAIRING_OPENS_PER_MINUTE = env_int("PHONE_PAIRING_OPENS_PER_MINUTE", 20)

# Recordings (R-PROC-6) are made in the browser (MediaRecorder) and uploaded in self-contained
# WebM segments of this many seconds (static/js/recorder.js); the server never re-encodes them.
RECORDING_SEGMENT_SECONDS = env_int("RECORDING_SEGMENT_SECONDS", 10)
RECORDING_VIDEO_BITS_PER_SECOND = env_int("RECORDING_VIDEO_BITS_PER_SECOND", 400_000)
# One segment at most (10 s at 400 kbps video and Opus audio is about 0.6 MB).
RECORDING_SEGMENT_MAX_BYTES = env_int("RECORDING_SEGMENT_MAX_BYTES", 4 * 1024 * 1024)
# Segments still accepted this long after the attempt finished (the last queued ones).
RECORDING_UPLOAD_GRACE_SECONDS = env_int("RECORDING_UPLOAD_GRACE_SECONDS", 600)
# Uploads per attempt, view and minute: a backlog after a network drop drains at this rate.
RECORDING_UPLOADS_PER_MINUTE = env_int("RECORDING_UPLOADS_PER_MINUTE", 60)
RECORDING_RETENTION_DAYS = env_int("RECORDING_RETENTION_DAYS", 180)
# The shared screen (view 3, where the exam requires it) is also sampled as a still this often
# for the review page (proctoring.screen_stills); stills are evidence frames and kept as long.
SCREEN_STILL_SECONDS = env_int("SCREEN_STILL_SECONDS", 30)
SCREEN_STILL_MAX_BYTES = env_int("SCREEN_STILL_MAX_BYTES", 1024 * 1024)
SCREEN_STILLS_PER_MINUTE = env_int("SCREEN_STILLS_PER_MINUTE", 30)
# The phone's room scan before answering (proctoring.room_scans): a slow full turn takes at
# least this long; the phone stops recording at the maximum. One scan's file at most (60 s at
# 400 kbps video and Opus audio is about 3.3 MB). Kept as long as the recordings.
ROOM_SCAN_MIN_SECONDS = env_int("ROOM_SCAN_MIN_SECONDS", 20)
ROOM_SCAN_MAX_SECONDS = env_int("ROOM_SCAN_MAX_SECONDS", 60)
ROOM_SCAN_MAX_BYTES = env_int("ROOM_SCAN_MAX_BYTES", 16 * 1024 * 1024)

# Every process (web, media, workers, beat, commands) logs through this configuration. URLs in
# log lines lose their tokens, ID numbers, phone numbers and search terms (core.log_scrub): the
# filter sits on the console handler, which every record reaches, and on the request loggers
# themselves, so that any other handler attached to them gets clean records too. The access log
# is ``proctor.access`` (core.access_log); Daphne runs with --verbosity 0 and writes none of its
# own, which would bypass this configuration.
_SCRUBBED = {"filters": ["scrub_secrets"]}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub_secrets": {"()": "core.log_scrub.ScrubSecrets"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["scrub_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING", **_SCRUBBED},
        "proctor.access": _SCRUBBED,
        "django.request": _SCRUBBED,
        "django.server": _SCRUBBED,
        "django.security": _SCRUBBED,
        "daphne": _SCRUBBED,
        "daphne.http_protocol": _SCRUBBED,
        "daphne.ws_protocol": _SCRUBBED,
        "daphne.server": _SCRUBBED,
    },
}


def redis_channel_layer(url: str, prefix: str) -> dict[str, object]:
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # channels_redis waits on BZPOPMIN for 5 s, and redis-py 8 also gives up reading a
            # socket after 5 s by default: the two raced and crashed consumers with "Timeout
            # reading from …". The socket timeout must stay above the blocking pop's.
            "hosts": [{"address": url, "socket_timeout": 30}],
            "prefix": prefix,
            "capacity": 1000,
            "expiry": 30,
        },
    }


def database_pool() -> dict[str, object]:
    """The options of the processes' PostgreSQL pool (psycopg_pool) in production.

    The pool needs ``CONN_HEALTH_CHECKS`` too: from it Django gives the pool its ``check``
    (``ConnectionPool.check_connection``, one empty query), which tests every connection before
    it is handed out, so a connection PostgreSQL ended while it sat in the pool (a restart, a
    fail-over, an administrator's ``pg_terminate_backend``) is replaced instead of failing the
    request that got it. ``max_lifetime`` and ``max_idle`` renew connections well before
    firewalls and proxies drop idle ones; ``timeout`` is how long a request waits for a free
    connection before it fails."""
    return {
        "min_size": env_int("DB_POOL_MIN", 2),
        "max_size": env_int("DB_POOL_MAX", 20),
        "timeout": env_int("DB_POOL_TIMEOUT", 10),
        "max_lifetime": env_int("DB_POOL_MAX_LIFETIME", 30 * 60),
        "max_idle": env_int("DB_POOL_MAX_IDLE", 5 * 60),
    }


def redis_cache(url: str, prefix: str) -> dict[str, object]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            # redis-py waits for ever by default: a Redis that stopped answering would hang
            # every request that counts a rate limit. The cache's callers fail open or refuse
            # with 503 (core.ratelimit) once it does not answer within these.
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }


# Staff accounts: how long an invitation link (to set the first password) and a password-reset
# link stay valid, and how many reset requests one username and one address may make.
ACCOUNT_INVITATION_HOURS = env_int("ACCOUNT_INVITATION_HOURS", 72)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600)
PASSWORD_RESETS_PER_HOUR = env_int("PASSWORD_RESETS_PER_HOUR", 3)
PASSWORD_RESET_RATE_PER_MINUTE = env_int("PASSWORD_RESET_RATE_PER_MINUTE", 10)

# How long a reviewer holds an attempt of the review queue without a decision (review.claims).
REVIEW_CLAIM_MINUTES = env_int("REVIEW_CLAIM_MINUTES", 30)
# The one attachment of a candidate's appeal (review.appeals): a PDF, JPEG or PNG up to this size.
REVIEW_APPEAL_ATTACHMENT_MAX_BYTES = env_int("REVIEW_APPEAL_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
