"""Schemathesis against the whole OpenAPI document (issue #14): every operation, signed in as the
persona it is for, answers no server error, only the status codes it documents, and bodies of
the documented schema.

The document is the one the app serves (``config.api``), requests go in-process through the
WSGI application to the real PostgreSQL and Redis. Each operation is its own test with fresh
personas: carol (a candidate in her formal exam, answering), her paired phone, paula (proctor of
her room). Path parameters are set to the personas' own records (her attempt, her room, an
alert of her attempt…), so what is fuzzed is everything else: query, form, JSON and raw bodies,
and the view number of a recording. Bounded and deterministic: a fixed seed, derandomized
Hypothesis, a few examples per operation, no coverage phase (about a minute on two cores).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.api import api
from exams.models import Attempt, Exam, FaceConsent, IdentityCheck, Registration
from exams.statuses import CheckStatus
from jobs.models import BackgroundJob
from proctoring import pairing
from proctoring.models import Alert
from tests import personas as personas_module
from tests.conftest import candidate_client
from tests.personas import Personas

CSRF = "openapifuzzcsrfsecret0123456789a"  # a CSRF secret (32 characters) sent as cookie and header
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

CONFIG = SchemathesisConfig.from_str(
    """
seed = 14
[phases.coverage]
enabled = false
[phases.stateful]
enabled = false
[generation]
max-examples = 8
"""
)
# The recorder's segments are raw bytes, like any octet stream.
schemathesis.serializer.alias("video/webm", "application/octet-stream")
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)
schema.app = WSGIHandler()


@dataclass
class World:
    carol: str  # session cookies
    phone: str
    paula: str
    ids: dict[str, int]


@pytest.fixture
def world(personas: Personas) -> World:
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    attempt = personas_module.answering(registration)
    # She agreed to the automatic face check, and her capture page drew its challenge.
    Registration.objects.filter(pk=registration.pk).update(face_consent=FaceConsent.AUTOMATIC)
    carol = candidate_client(personas)
    assert carol.get("/vision/identity/").status_code == 200
    # The phone: the exam needs it from now on, and the phone opens carol's pairing link.
    Exam.objects.filter(pk=personas.formal.pk).update(requires_second_view=True)
    attempt = Attempt.objects.get(pk=attempt.pk)
    phone = Client()
    assert phone.get(f"/phone/{pairing.issue(attempt).token}/").status_code == 302
    paula = Client()
    paula.force_login(personas.paula)
    now = timezone.now()
    alert = Alert.objects.create(
        attempt=attempt, kind="looking_away", severity=1, opened_at=now, last_seen_at=now
    )
    check = IdentityCheck.objects.create(
        candidate=personas.carol,
        attempt=attempt,
        status=CheckStatus.PASSED,
        challenge=IdentityCheck.Challenge.BLINK,
    )
    job = BackgroundJob.objects.create(kind="candidates.import", owner=personas.paula)
    return World(
        carol=carol.cookies["sessionid"].value,
        phone=phone.cookies["sessionid"].value,
        paula=paula.cookies["sessionid"].value,
        ids={
            "attempt_id": attempt.pk,
            "question_id": int(attempt.paper[0]["question"]),
            "room_id": personas.room_a.pk,
            "alert_id": alert.pk,
            "check_id": check.pk,
            "job_id": job.pk,
        },
    )


@pytest.fixture
def signed_in(world: World) -> Iterator[World]:
    """The personas, with the test's database transaction kept across requests as Django's test
    client does (after the sign-ins, whose client reconnects it): the handler would otherwise
    close the connection at the start and end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield world
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def session_for(world: World, path: str, path_parameters: dict[str, Any]) -> str | None:
    """The persona an operation is for: proctors' endpoints and jobs are paula's, a recording's
    view 2 the phone's, the rest carol's; the health check needs nobody."""
    if path == "/healthz":
        return None
    if path.startswith(("/proctor/attempts", "/proctor/rooms", "/proctor/alerts", "/jobs/")):
        return world.paula
    if path.startswith("/proctor/recordings/") and path_parameters.get("view") == 2:
        return world.phone
    return world.carol


@pytest.mark.django_db
@schema.parametrize()
@settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation(case: Any, signed_in: World) -> None:
    world = signed_in
    for name in list(case.path_parameters or {}):
        if name in world.ids:
            case.path_parameters[name] = world.ids[name]
        elif not isinstance(case.path_parameters[name], int) or case.path_parameters[name] < 0:
            # A path no URL pattern matches (<int:…> is digits) is the site's 404 page, not an
            # API operation; the negative cases of the body and query are what is fuzzed.
            case.path_parameters[name] = 1
    session = session_for(world, case.path, case.path_parameters or {})
    cookies = {"csrftoken": CSRF}
    if session is not None:
        cookies["sessionid"] = session
    case.call_and_validate(headers={"X-CSRFToken": CSRF}, cookies=cookies, checks=CHECKS)
