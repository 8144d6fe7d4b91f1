"""The OpenAPI document describes every JSON endpoint of the URL conf, and every refusal of
every endpoint has the ``RefusedOut`` shape ``{"code", "message"}`` it documents (issue #14)."""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from typing import Any

from django.http import JsonResponse
from django.test import Client

from config.api import api
from config.openapi_views import json_views, url_views
from core import errors
from core import json_views as json_helpers
from core.json_views import endpoint_of
from exams.models import Attempt
from tests.personas import Personas

# Paths that speak JSON (or sit under /api/) but are not operations of the document.
NOT_API = {
    "/api/openapi.json": "the OpenAPI document itself",
    "/api/": "django-ninja's home, a 404 while its docs page is off (docs_url=None)",
}
# What builds a JSON answer, as the view's module names it.
JSON_BUILDERS = {
    JsonResponse,
    errors.as_json,
    json_helpers.refusal,
    json_helpers.not_found_refusal,
    json_helpers.sign_in_refusal,
    json_helpers.forbidden_refusal,
}


def _functions(view: Any, seen: set[int] | None = None) -> Iterator[types.FunctionType]:
    """``view`` and every function it wraps (``__wrapped__``, decorators' closures)."""
    seen = seen if seen is not None else set()
    if id(view) in seen:
        return
    seen.add(id(view))
    if isinstance(view, types.FunctionType):
        yield view
        for cell in view.__closure__ or ():
            try:
                content = cell.cell_contents
            except ValueError:
                continue
            if callable(content):
                yield from _functions(content, seen)
    wrapped = getattr(view, "__wrapped__", None)
    if wrapped is not None:
        yield from _functions(wrapped, seen)


def _names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def speaks_json(view: Any) -> bool:
    """Whether ``view`` (or a function it wraps) refers to something that builds JSON. Names
    are looked up in the function's module, so ``makeup.refusal`` (an attribute) is not taken
    for ``json_views.refusal``."""
    for function in _functions(view):
        for name in _names(function.__code__):
            try:
                if function.__globals__.get(name) in JSON_BUILDERS:
                    return True
            except TypeError:  # an unhashable module global
                continue
    return False


def undescribed(document: dict[str, Any], resolver: Any = None) -> list[str]:
    """The JSON endpoints of the URL conf (or ``resolver``) that ``document`` leaves out."""
    missing = []
    for path, view in url_views(resolver):
        if path in NOT_API:
            continue
        if path.startswith("/api/"):
            if path not in document["paths"]:
                missing.append(path)
        elif speaks_json(view) and endpoint_of(view) is None:
            missing.append(f"{path} ({view.__module__}.{view.__name__})")
    return missing


def test_every_json_view_of_the_url_conf_is_in_the_document() -> None:
    document = api.get_openapi_schema()
    missing = undescribed(document)
    assert not missing, f"JSON endpoints the OpenAPI document does not describe: {missing}"
    for described in json_views():
        operations = document["paths"][described.path]
        assert {m.lower() for m in described.endpoint.operations} <= set(operations)


def _plain_json(request: Any) -> JsonResponse:
    return JsonResponse({"left": "out"})


def test_the_walk_finds_a_json_view_left_out() -> None:
    """The check above is not empty: an undescribed JSON view is caught, a described one and
    a page are not."""
    from django.urls import URLResolver, path
    from django.urls.resolvers import RegexPattern

    from jobs import views as job_views
    from support.views import makeups

    patterns = [
        path("plain/<int:pk>/", _plain_json),
        path("jobs/<int:job_id>/status.json", job_views.status),
        path("makeup/new/<int:attempt_id>/", makeups.makeup_new),
    ]
    resolver = URLResolver(RegexPattern(r"^/"), patterns)
    assert undescribed({"paths": {}}, resolver) == [f"/plain/{{pk}}/ ({__name__}._plain_json)"]


def test_every_refusal_in_the_document_has_the_refused_shape() -> None:
    document = json.loads(json.dumps(api.get_openapi_schema()))
    schemas = document["components"]["schemas"]
    assert document["components"]["securitySchemes"].keys() >= {"SessionAuth", "PhonePairing"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert "security" in operation or path.startswith("/api/"), (method, path)
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                ref = response["content"]["application/json"]["schema"]["$ref"]
                schema = schemas[ref.rsplit("/", 1)[1]]
                assert {"code", "message"} <= set(schema["required"]), (method, path, status)


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["message"], body
    return body


def test_refusals_of_the_ninja_api_have_the_shape(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    refused(Client().get(f"/api/exam/attempts/{carol_attempt.pk}"), 401, "sign_in")
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = carol_client.cookies
    refused(strict.post(f"/api/exam/attempts/{carol_attempt.pk}/submit"), 403, "csrf")
    refused(carol_client.get("/api/exam/attempts/999999"), 404, "not_found")
    question = carol_attempt.paper[0]["question"]
    malformed = carol_client.put(
        f"/api/exam/attempts/{carol_attempt.pk}/answers/{question}",
        b"{not json",
        content_type="application/json",
    )
    refused(malformed, 400, "malformed")


def test_refusals_of_the_django_json_views_have_the_shape(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    detail = f"/proctor/attempts/{carol_attempt.pk}/"
    refused(Client().get(detail), 401, "sign_in")
    refused(carol_client.get(detail), 403, "forbidden")
    paula = Client()
    paula.force_login(personas.paula)
    refused(paula.get("/proctor/attempts/999999/"), 404, "not_found")
    wrong_method = paula.get(f"/proctor/attempts/{carol_attempt.pk}/end/")
    refused(wrong_method, 405, "method_not_allowed")
    assert wrong_method["Allow"] == "POST"
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(personas.paula)
    refused(strict.post(f"/proctor/attempts/{carol_attempt.pk}/warnings/"), 403, "csrf")
    refused(carol_client.get("/phone/attempts/999999/status/"), 404, "not_found")
    # Pages keep Django's own CSRF page.
    page = Client(enforce_csrf_checks=True).post("/exam/sign-in/", {"id_number": "x"})
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")


def test_a_device_check_report_of_the_wrong_types_is_refused_not_a_server_error(
    personas: Personas, carol_client: Client
) -> None:
    """Schemathesis found it: a list as the camera's result raised TypeError (HTTP 500)."""
    report: dict[str, Any] = {
        "camera": ["ok"],
        "microphone": {},
        "upload_mb_per_s": None,
        "media_supported": True,
    }
    response = carol_client.post(
        "/support/device-check/result/", json.dumps(report), content_type="application/json"
    )
    refused(response, 400, "invalid")
