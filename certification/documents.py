"""Admission tickets (准考证) and room materials (seat list, sign-in sheet) as PDF (R-CERT-10)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


def ticket(seat: Seat) -> bytes:
    return render_pdf("pdf/admission_ticket.html", {"seat": seat, "photo": _photo_uri(seat)})


def tickets(seats: list[Seat], progress: Callable[[int, int], None] | None = None) -> bytes:
    """All tickets of a room as one file (each on its own page); ``progress(done, total)`` is
    told after each ticket."""
    pages = []
    for done, seat in enumerate(seats, start=1):
        pages.append(ticket(seat))
        if progress is not None:
            progress(done, len(seats))
    return merge_pdfs(pages)


def room_materials(seats: list[Seat], context: dict[str, Any]) -> bytes:
    """The seat list and the sign-in sheet of one room and session, as one file."""
    return render_pdf("pdf/room_materials.html", {"seats": seats, **context})
