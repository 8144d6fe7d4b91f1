# One image for every process of the platform: web, media, the Celery workers and beat differ
# only by their command (see docker-compose.yml). The vision workers' image adds the heavy
# vision stack: docker build --build-arg EXTRAS=vision .
FROM python:3.11-slim-bookworm

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

ARG EXTRAS=""
RUN pip install ".${EXTRAS:+[$EXTRAS]}" \
    && case "$EXTRAS" in *vision*) pip install --no-deps "face_recognition==1.3.0";; esac \
    && rm -rf build ./*.egg-info

# Production settings refuse to load without these; the values below exist for this one command
# only and are not kept in the image. collectstatic touches neither the database nor Redis.
RUN SECRET_KEY=build-time-placeholder-not-a-secret-0123456789abcdef \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@localhost:5432/build \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

# The media volume is mounted here; a new named volume takes this directory's owner.
RUN mkdir -p /data/media && chown proctor:proctor /data/media

USER proctor
EXPOSE 8000
CMD ["daphne", "-v", "0", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]
