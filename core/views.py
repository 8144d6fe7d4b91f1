from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from accounts.roles import Role


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and the compose health check."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    """Send each person where their work is; everyone else sees the two ways in."""
    user = request.user
    if user.is_authenticated:
        if user.role == Role.CANDIDATE and not user.is_superuser:
            return redirect("exams:exam")
        if user.role in (Role.INSPECTOR, Role.UNIT_STAFF) and not user.is_superuser:
            return redirect("inspections:dashboard")
        if user.has_role(Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN):
            return redirect("proctoring:console")
    return render(request, "home.html")
