"""The production connection pool checks a connection before handing it out: connections that
PostgreSQL ended while they sat in the pool (a restart, a fail-over, ``pg_terminate_backend``)
are replaced, and the requests that come next are served without an error.

The pool here is built from what ``config.settings.prod`` itself configures (read in a process
of its own), on the test database."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection
from django.test import Client, RequestFactory
from psycopg_pool import ConnectionPool

from exams.models import Attempt
from tests.processes import subprocess_database_url
from tests.test_env import COMPLETE

PRINT_DATABASE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "d = settings.DATABASES['default']; "
    "print(json.dumps({'health': d['CONN_HEALTH_CHECKS'], 'max_age': d['CONN_MAX_AGE'], "
    "'pool': d['OPTIONS']['pool']}))"
)


def production_database() -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", PRINT_DATABASE],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            **COMPLETE,
            "DATABASE_URL": "postgres://h/d",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout))


@pytest.fixture
def production_pool() -> Iterator[None]:
    """This test's database connection borrows from a pool set up as production's is."""
    production = production_database()
    connection.close()
    saved = {key: connection.settings_dict[key] for key in ("CONN_HEALTH_CHECKS", "CONN_MAX_AGE")}
    options = connection.settings_dict.setdefault("OPTIONS", {})
    connection.settings_dict["CONN_HEALTH_CHECKS"] = production["health"]
    connection.settings_dict["CONN_MAX_AGE"] = production["max_age"]
    options["pool"] = production["pool"]
    try:
        yield
    finally:
        connection.close()
        connection.close_pool()  # type: ignore[attr-defined]
        del options["pool"]
        connection.settings_dict.update(saved)


def terminate_other_backends() -> int:
    """End every other session of the test database, from a connection of its own."""
    url = subprocess_database_url(connection.settings_dict["NAME"])
    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def test_production_pools_connections_with_their_check_and_renews_them() -> None:
    production = production_database()
    # Django gives the pool ConnectionPool.check_connection from CONN_HEALTH_CHECKS; without
    # it the pool hands out connections PostgreSQL has already ended.
    assert production["health"] is True
    assert production["max_age"] == 0  # the pool keeps the connections, Django does not
    pool = production["pool"]
    assert 0 < pool["max_idle"] <= pool["max_lifetime"] <= 3600
    assert 0 < pool["timeout"] <= 30


def serve(path: str) -> int:
    """Serve one GET the way a server does (the test client does not): the request's end
    gives its connection back to the pool, and the next request borrows one again."""
    statuses: list[str] = []

    def start_response(status: str, headers: object, exc_info: object = None) -> Any:
        statuses.append(status)
        return lambda data: None

    response = WSGIHandler()(RequestFactory().get(path).environ, start_response)
    response.close()  # request_finished: Django closes the connection, i.e. returns it
    return int(statuses[0].split()[0])


@pytest.mark.django_db(transaction=True)
def test_requests_after_postgresql_ended_the_pools_connections_are_served(
    production_pool: None,
) -> None:
    assert serve("/healthz") == 200  # the pool opens and lends a connection
    assert connection.pool._check is ConnectionPool.check_connection  # type: ignore[attr-defined]
    assert serve("/exam/sign-in/") == 200
    assert terminate_other_backends() >= 1  # the pool's idle connections, ended by the server
    for _ in range(3):  # every connection the pool holds, not only the first
        assert serve("/healthz") == 200
        assert serve("/exam/sign-in/") == 200


@pytest.mark.django_db(transaction=True)
def test_a_request_whose_connection_postgresql_ends_meanwhile_is_told_to_try_again(
    carol_client: Client, carol_attempt: Attempt
) -> None:
    """A connection ended while a request holds it cannot be saved by the pool: the test client
    keeps its connection from one request to the next, as a request holds one while it runs."""
    state = f"/api/exam/attempts/{carol_attempt.pk}"
    carol_client.raise_request_exception = False
    try:
        assert carol_client.get(state).status_code == 200
        terminate_other_backends()  # this test's own connection among them
        page = carol_client.get("/healthz")
        close_old_connections()  # as a server does after each request: the broken one goes
        assert carol_client.get(state).status_code == 200
        terminate_other_backends()
        api = carol_client.get(state)
    finally:
        connection.close()
    assert page.status_code == 503 and page["Retry-After"] == "60"
    assert "Try again in a minute" in page.content.decode()
    assert api.status_code == 503
    assert api.json()["code"] == "unavailable" and api["Retry-After"] == "5"
