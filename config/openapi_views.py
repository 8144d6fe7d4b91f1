"""The OpenAPI document's part beyond django-ninja: the JSON views that stay Django views
(``core.json_views.json_endpoint``), and the refusals every operation can answer.

The paths come from the URL resolver itself, so a view's documented path is the one it is
served at: each pattern whose view carries a ``JsonEndpoint`` becomes a path, its converters
(``<int:attempt_id>``) its path parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern
from ninja import Schema

from core.json_views import JsonEndpoint, Operation, RefusedOut, endpoint_of

REF = "#/components/schemas/{model}"
SESSION = "SessionAuth"  # the name django-ninja gives ``django_auth``'s scheme
PHONE = "PhonePairing"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")

SECURITY_SCHEMES = {
    SESSION: {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": (
            "A signed-in browser session (staff sign-in, or a candidate's ID number and exam "
            "passcode). Unsafe methods also need the CSRF token in the X-CSRFToken header, with "
            "the csrftoken cookie; without it they answer 403 code csrf."
        ),
    },
    PHONE: {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": (
            "The session of a phone paired with a live attempt by opening the QR link the "
            "exam computer shows (/phone/<token>/, used once). Same CSRF rule as SessionAuth."
        ),
    },
}

# The refusals each kind of operation can answer besides those it names itself.
COMMON_REFUSALS = {
    400: "The body cannot be read as its media type, such as JSON that does not parse "
    "(code malformed).",
    401: "Not signed in (code sign_in).",
    403: "Signed in with a role that may not do this, a failed CSRF check (code csrf), or a "
    "rule of the exam (such as Safe Exam Browser, code seb_required).",
    404: "No such item, or not one the caller may see (code not_found): the two look the same.",
    413: "The request body is over the size limit (code too_large).",
    422: "The path, query or body does not have the documented form (code invalid_request).",
}


@dataclass(frozen=True)
class Described:
    path: str  # the OpenAPI path template: /proctor/attempts/{attempt_id}/
    parameters: tuple[tuple[str, bool], ...]  # path parameters: (name, is an integer)
    view: Any
    endpoint: JsonEndpoint


def json_views(resolver: URLResolver | None = None) -> Iterator[Described]:
    """Every URL pattern of the URL conf whose view is a ``json_endpoint``."""
    for path, parameters, view in _walk(resolver or get_resolver(), "/", ()):
        endpoint = endpoint_of(view)
        if endpoint is not None:
            yield Described(path, parameters, view, endpoint)


def url_views(resolver: URLResolver | None = None) -> Iterator[tuple[str, Any]]:
    """Every (OpenAPI path, view) of the URL conf, for the test that no JSON view is left out."""
    for path, _parameters, view in _walk(resolver or get_resolver(), "/", ()):
        yield path, view


def _walk(
    resolver: URLResolver, prefix: str, parameters: tuple[tuple[str, bool], ...]
) -> Iterator[tuple[str, tuple[tuple[str, bool], ...], Any]]:
    for entry in resolver.url_patterns:
        part, found = _route(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + part, parameters + found)
        elif isinstance(entry, URLPattern):
            yield prefix + part, parameters + found, entry.callback


def _route(pattern: Any) -> tuple[str, tuple[tuple[str, bool], ...]]:
    """A pattern as an OpenAPI path part and its parameters. Regular-expression patterns keep
    their text (none of them is a JSON endpoint)."""
    if not isinstance(pattern, RoutePattern):
        return str(pattern).lstrip("^").rstrip("$"), ()
    converters = pattern.converters
    found = tuple(
        (match["name"], isinstance(converters.get(match["name"]), IntConverter))
        for match in CONVERTER.finditer(str(pattern))
    )
    return CONVERTER.sub(lambda m: "{" + m["name"] + "}", str(pattern)), found


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """Add the Django JSON views to django-ninja's ``document`` and the refusals every
    operation can answer, all in the ``RefusedOut`` shape."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    _add_schema(schemas, RefusedOut)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            _add_refusals(operation, method.upper(), has_path_parameters="{" in path, ninja=True)
    for described in json_views():
        item = document["paths"].setdefault(described.path, {})
        for method, op in described.endpoint.operations.items():
            item[method.lower()] = _operation(described, method, op, schemas)
    return document


def _add_schema(schemas: dict[str, Any], model: type[Schema]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template=REF)
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _refused_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": REF.format(model="RefusedOut")}}}


def _add_refusals(
    operation: dict[str, Any], method: str, *, has_path_parameters: bool, ninja: bool
) -> None:
    responses = operation.setdefault("responses", {})
    statuses = []
    if operation.get("security") != []:
        statuses += [401, 403]
    elif method in UNSAFE:
        statuses.append(403)
    if has_path_parameters:
        statuses.append(404)
    if method in UNSAFE:
        statuses.append(413)
    if ninja and operation.get("requestBody"):
        statuses.append(400)
    if ninja and (operation.get("parameters") or operation.get("requestBody")):
        statuses.append(422)
    named = {int(status) for status in responses}  # django-ninja keys them by int
    for status in statuses:
        if status not in named:
            responses[status] = {
                "description": COMMON_REFUSALS[status],
                "content": _refused_content(),
            }


def _operation(
    described: Described, method: str, op: Operation, schemas: dict[str, Any]
) -> dict[str, Any]:
    view = described.view
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": op.path.get(name)
            or ({"type": "integer", "minimum": 0} if is_int else {"type": "string"}),
        }
        for name, is_int in described.parameters
    ]
    if op.query is not None:
        query = op.query.model_json_schema(ref_template=REF)
        required = set(query.get("required", ()))
        for name, schema in query.get("properties", {}).items():
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": schema}
            )
    operation: dict[str, Any] = {
        "operationId": f"{view.__module__}_{view.__name__}_{method.lower()}".replace(".", "_"),
        "summary": op.summary,
        "tags": list(described.endpoint.tags),
        "parameters": parameters,
        "responses": {},
    }
    if op.description:
        operation["description"] = op.description
    body = _request_body(op, schemas)
    if body is not None:
        operation["requestBody"] = body
    security = described.endpoint.security
    operation["security"] = {
        "session": [{SESSION: []}],
        "session_or_phone": [{SESSION: []}, {PHONE: []}],
        "public": [],
    }[security]
    for status, model in op.responses.items():
        response: dict[str, Any] = {"description": _describe(status, model)}
        if model is not None:
            response["content"] = {"application/json": {"schema": _add_schema(schemas, model)}}
        operation["responses"][status] = response
    _add_refusals(operation, method, has_path_parameters=bool(described.parameters), ninja=False)
    if security == "session_or_phone":
        # No sign-in check of its own: a caller who is not the attempt's candidate or its
        # phone gets the 404 of an attempt that does not exist.
        operation["responses"].pop(401, None)
    return operation


def _request_body(op: Operation, schemas: dict[str, Any]) -> dict[str, Any] | None:
    if op.json is not None:
        ref = _add_schema(schemas, op.json)
        return {"required": True, "content": {"application/json": {"schema": ref}}}
    if op.raw is not None:
        raw = {"schema": {"type": "string", "format": "binary"}}
        return {"required": True, "content": {op.raw: raw}}
    if op.form is None and not op.files:
        return None
    schema: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    if op.form is not None:
        form = op.form.model_json_schema(ref_template=REF)
        schema["properties"].update(form.get("properties", {}))
        schema["required"] += form.get("required", [])
    for name, description in op.files.items():
        schema["properties"][name] = {
            "type": "string",
            "format": "binary",
            "description": description,
        }
    if not schema["required"]:
        del schema["required"]
    media = "multipart/form-data" if op.files else "application/x-www-form-urlencoded"
    return {"required": True, "content": {media: {"schema": schema}}}


def _describe(status: int, model: type[Schema] | None) -> str:
    if model is None:
        return "A redirect to the page that follows." if 300 <= status < 400 else "No body."
    doc = (model.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else model.__name__
