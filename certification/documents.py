"""Admission tickets (准考证) and room materials (seat list, sign-in sheet) as PDF (R-CERT-10)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from certification.models import Seat
from core.pdf import merge_pdfs, render_pdf


def _photo_uri(seat: Seat) -> str:
    """The registered photo as a data URI for the ticket's photo box; "" when the candidate has
    none or its file is missing or not a JPG/PNG image (the box then says so instead of staying
    silently blank)."""
    import base64
    import io

    from PIL import Image, UnidentifiedImageError

    candidate = seat.enrolment.candidate
    if not candidate.photo:
        return ""
    try:
        with candidate.photo.open("rb") as handle:
            data = handle.read()
        with Image.open(io.BytesIO(data)) as image:
            kind = {"JPEG": "jpeg", "PNG": "png"}.get(str(image.format))
    except (OSError, UnidentifiedImageError, ValueError):
        return ""
    if kind is None:
        return ""
    return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"


def addresses(request: HttpRequest) -> dict[str, str]:
    """The full addresses an online room's ticket gives (the exam's sign-in, the device check),
    as this request reached the platform; a background job takes them from the request that
    queued it."""
    return {
        "sign_in_url": request.build_absolute_uri(reverse("exams:sign-in")),
        "device_check_url": request.build_absolute_uri(reverse("support:device-check")),
    }


def ticket(seat: Seat, links: dict[str, str] | None = None) -> bytes:
    """One ticket. A seat in an online room says where to sign in (``links``, see
    ``addresses``) instead of telling the candidate to come to the room."""
    context = {"seat": seat, "photo": _photo_uri(seat), **(links or {})}
    return render_pdf("pdf/admission_ticket.html", context)


def tickets(
    seats: list[Seat],
    progress: Callable[[int, int], None] | None = None,
    links: dict[str, str] | None = None,
) -> bytes:
    """All tickets of a room as one file (each on its own page); ``progress(done, total)`` is
    told after each ticket."""
    pages = []
    for done, seat in enumerate(seats, start=1):
        pages.append(ticket(seat, links))
        if progress is not None:
            progress(done, len(seats))
    return merge_pdfs(pages)


def room_materials(seats: list[Seat], context: dict[str, Any]) -> bytes:
    """The seat list and the sign-in sheet of one room and session, as one file."""
    return render_pdf("pdf/room_materials.html", {"seats": seats, **context})
