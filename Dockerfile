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

WORKDIR /app

# Named one by one: the checkout also holds .venv/, var/ and .git/, which must stay out.
COPY pyproject.toml README.md LICENSE manage.py ./
COPY config/ config/
COPY core/ core/
COPY accounts/ accounts/
COPY audit/ audit/
COPY centres/ centres/
COPY candidates/ candidates/
COPY exams/ exams/
COPY proctoring/ proctoring/
COPY certification/ certification/
COPY inspections/ inspections/
COPY demo/ demo/
COPY templates/ templates/
COPY static/ static/
COPY locale/ locale/

ARG EXTRAS=""
RUN pip install ".${EXTRAS:+[$EXTRAS]}" \
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
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]
