# One image per role, each with exactly the extras (pyproject.toml) its process imports:
#
#   target   extras        processes (docker-compose.yml)
#   web      (none)        web, migrate, worker-default, beat
#   media    media         media: the WebRTC peers (aiortc, PyAV)
#   vision   vision-core   worker-vision: faces (dlib), YOLO .tflite on LiteRT, recordings' audio
#
# docker build --target media -t open-proctor-media .   (tests/test_compose.py reads the
# PROCTOR_EXTRAS of each target and starts each service with those extras alone.)
# Add extras to every role with --build-arg EXTRAS=s3 (STORAGE_BACKEND=s3); the vision image
# with Ultralytics and torch (weights by name, VISION_YOLO_RUNTIME=ultralytics; about 5 GB) is
# --build-arg VISION_EXTRAS=vision.
FROM python:3.11-slim-bookworm AS base

# PYTHONPATH puts the code in /app ahead of the copy `pip install .` leaves in site-packages, so
# the settings find templates/, static/ and locale/ beside it (BASE_DIR) whichever command runs.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.prod

RUN groupadd --system --gid 10001 proctor \
    && useradd --system --uid 10001 --gid proctor --home-dir /app --no-create-home proctor

# Pango lays out PDFs (WeasyPrint); the CJK fonts render Chinese in them.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# What stays out (.venv/, var/, .git/, tests' artefacts) is listed in .dockerignore.
COPY . .

# The media volume is mounted here; a new named volume takes this directory's owner.
RUN mkdir -p /data/media && chown proctor:proctor /data/media

FROM base AS web
ARG EXTRAS=""
ENV PROCTOR_EXTRAS=""
RUN bin/install-image "$PROCTOR_EXTRAS" "$EXTRAS"
USER proctor
EXPOSE 8000
CMD ["daphne", "-v", "0", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]

FROM base AS media
ARG EXTRAS=""
ENV PROCTOR_EXTRAS="media"
RUN bin/install-image "$PROCTOR_EXTRAS" "$EXTRAS"
USER proctor
EXPOSE 8001
CMD ["daphne", "-v", "0", "-b", "0.0.0.0", "-p", "8001", "config.media_asgi:application"]

FROM base AS vision
ARG EXTRAS=""
ARG VISION_EXTRAS="vision-core"
ENV PROCTOR_EXTRAS="${VISION_EXTRAS}"
RUN bin/install-image "$PROCTOR_EXTRAS" "$EXTRAS"
USER proctor
CMD ["celery", "-A", "config", "worker", "-Q", "vision", "--prefetch-multiplier", "1"]
