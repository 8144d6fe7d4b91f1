"""The platform's JSON API, described by the OpenAPI document at /api/openapi.json."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.security import django_auth

from exams.api import router as exam_router

api = NinjaAPI(
    title="Open Proctor API",
    version="1",
    urls_namespace="api",
    auth=django_auth,  # session cookie + CSRF token on unsafe methods
    docs_url=None,  # the Swagger UI loads from a CDN; the OpenAPI document is served as JSON
)
api.add_router("/exam/", exam_router)
