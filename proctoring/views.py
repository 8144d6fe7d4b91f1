"""The proctor console's pages and the proctors' actions (thin: ``proctoring.actions`` does the
work). Actions are CSRF-protected POSTs answering JSON, for the console's script: 200 with the
result, 400 ``{"code", "message"}`` when refused, 404 for an attempt, alert or room the user may
not watch (never saying whether it exists). Each is described in the OpenAPI document
(``core.json_views``; the schemas in ``proctoring.action_schemas``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST
from ninja import Schema

from accounts.access import role_required
from accounts.roles import Role
from centres.models import Room
from core.errors import as_json
from core.json_views import Operation, RefusedOut, json_endpoint, not_found_refusal
from exams.models import Exam
from exams.statuses import AttemptStatus
from proctoring import action_schemas as io
from proctoring import actions
from proctoring.models import MESSAGE_MAX_CHARS, AlertDecision, AlertKind, ViolationKind

STAFF = (Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)


@role_required(*STAFF)
def console(request: HttpRequest) -> HttpResponse:
    rooms = Room.objects.visible_to(request.user).select_related("site")
    return render(request, "proctoring/console.html", {"rooms": rooms})


@role_required(*STAFF)
def room(request: HttpRequest, room_id: int) -> HttpResponse:
    room = get_object_or_404(
        Room.objects.visible_to(request.user).select_related("site"), pk=room_id
    )
    status_labels = {value: str(label) for value, label in AttemptStatus.choices}
    # The console shows the exams being sat now (their sessions' candidates), not the room's past.
    current_exams = (
        Exam.objects.current()
        .filter(registrations__room=room)
        .annotate(expected=Count("registrations", filter=Q(registrations__room=room)))
        .order_by("opens_at")
    )
    return render(
        request,
        "proctoring/room.html",
        {
            "room": room,
            "current_exams": current_exams,
            "status_labels": status_labels,
            # Alert kinds in the reader's language: a live event carries the label in the
            # language of the process that published it, which need not be the proctor's.
            "alert_labels": {value: str(label) for value, label in AlertKind.choices},
            "violation_kinds": ViolationKind.choices,
            "message_max": MESSAGE_MAX_CHARS,
            "note_max": actions.NOTE_MAX_CHARS,
        },
    )


Action = Callable[..., dict[str, Any]]


def action(
    *,
    summary: str,
    ok: type[Schema],
    form: type[Schema] | None = None,
    files: dict[str, str] | None = None,
) -> Callable[[Action], Callable[..., HttpResponse]]:
    """A proctor's action: staff only, POST only (CSRF-checked by the middleware), JSON out,
    described in the OpenAPI document by ``form`` (and ``files``) in and ``ok`` out."""

    def decorator(view: Action) -> Callable[..., HttpResponse]:
        @json_endpoint(
            tags=("proctoring",),
            post=Operation(
                summary=summary,
                form=form,
                files=files or {},
                responses={200: ok, 400: RefusedOut},
                description="400: refused; the code says why and the message what to do.",
            ),
        )
        @role_required(*STAFF)
        @require_POST
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return JsonResponse(view(request, *args, **kwargs))
            except ObjectDoesNotExist:
                return not_found_refusal()
            except actions.ActionRefused as refused:
                return as_json(refused)

        return wrapped

    return decorator


@json_endpoint(
    tags=("proctoring",),
    get=Operation(
        summary="An attempt's messages, violations and screenshots (the focus panel)",
        responses={200: io.AttemptDetailOut},
    ),
)
@role_required(*STAFF)
@require_GET
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    try:
        attempt = actions.attempt_for(request.user, attempt_id)
    except ObjectDoesNotExist:
        return not_found_refusal()
    return JsonResponse(actions.attempt_detail(attempt))


@action(summary="Send the candidate a warning", form=io.TextIn, ok=io.WarningSentOut)
def send_warning(request: HttpRequest, attempt_id: int) -> dict[str, Any]:
    attempt = actions.attempt_for(request.user, attempt_id)
    message = actions.send_warning(
        attempt, request.POST.get("text"), actor=request.user, request=request
    )
    return {"message": actions.summarise_message(message)}


@action(summary="Send a message to every candidate of the room", form=io.TextIn, ok=io.BroadcastOut)
def broadcast(request: HttpRequest, room_id: int) -> dict[str, Any]:
    room = actions.room_for(request.user, room_id)
    sent = actions.broadcast(room, request.POST.get("text"), actor=request.user, request=request)
    return {"sent": len(sent)}


@action(summary="Record a violation", form=io.ViolationIn, ok=io.ViolationRecordedOut)
def record_violation(request: HttpRequest, attempt_id: int) -> dict[str, Any]:
    attempt = actions.attempt_for(request.user, attempt_id)
    violation = actions.record_violation(
        attempt,
        request.POST.get("kind"),
        request.POST.get("note"),
        actor=request.user,
        request=request,
    )
    return {"violation": actions.summarise_violation(violation)}


@action(
    summary="Keep a frame of a view as evidence",
    form=io.ScreenshotIn,
    files={"image": "the frame, a JPEG or PNG image"},
    ok=io.ScreenshotTakenOut,
)
def take_screenshot(request: HttpRequest, attempt_id: int) -> dict[str, Any]:
    attempt = actions.attempt_for(request.user, attempt_id)
    shot = actions.take_screenshot(
        attempt,
        request.POST.get("view"),
        request.FILES.get("image"),
        request.POST.get("note"),
        actor=request.user,
        request=request,
    )
    return {"screenshot": actions.summarise_screenshot(shot)}


@action(summary="Decide an alert", form=io.DecisionIn, ok=io.DecisionOut)
def decide_alert(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    alert = actions.alert_for(request.user, alert_id)
    alert = actions.decide_alert(
        alert,
        request.POST.get("decision"),
        request.POST.get("note"),
        actor=request.user,
        request=request,
    )
    return {"alert": alert.pk, "decision": alert.decision, "labels": dict(AlertDecision.choices)}


@action(summary="End the candidate's exam", form=io.EndIn, ok=io.EndedOut)
def end_exam(request: HttpRequest, attempt_id: int) -> dict[str, Any]:
    attempt = actions.attempt_for(request.user, attempt_id)
    actions.end_exam(attempt, request.POST.get("reason"), actor=request.user, request=request)
    return {"attempt": attempt.pk, "status": attempt.status}
