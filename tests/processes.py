"""Helpers for tests that start the platform's processes themselves (Daphne, Celery)."""

from __future__ import annotations

from django.db import connection


def subprocess_database_url(name: str) -> str:
    """A DATABASE_URL for the live processes that reaches the test database the way this process
    does: over TCP, or through PostgreSQL's Unix socket inside bin/in-loopback-netns."""
    params = connection.settings_dict
    socket_dir = (params.get("OPTIONS") or {}).get("host")
    if socket_dir:
        return f"postgres://{params['USER'] or 'postgres'}@/{name}?host={socket_dir}"
    host, port = params["HOST"] or "127.0.0.1", params["PORT"] or "5432"
    return f"postgres://{params['USER'] or 'postgres'}@{host}:{port}/{name}"
