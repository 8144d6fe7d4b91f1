from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.access import role_required
from accounts.roles import Role
from centres.models import Room
from exams.statuses import AttemptStatus


@role_required(Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)
def console(request: HttpRequest) -> HttpResponse:
    rooms = Room.objects.visible_to(request.user).select_related("site")
    return render(request, "proctoring/console.html", {"rooms": rooms})


@role_required(Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)
def room(request: HttpRequest, room_id: int) -> HttpResponse:
    room = get_object_or_404(
        Room.objects.visible_to(request.user).select_related("site"), pk=room_id
    )
    status_labels = {value: str(label) for value, label in AttemptStatus.choices}
    return render(request, "proctoring/room.html", {"room": room, "status_labels": status_labels})
