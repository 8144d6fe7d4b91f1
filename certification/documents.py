"""Admission tickets (准考证) and room materials (seat list, sign-in sheet) as PDF (R-CERT-10)."""

from __future__ import annotations

from typing import Any

from certification.models import Seat
from core.pdf import merge_pdfs, render_pdf


def _photo_uri(seat: Seat) -> str:
    import base64

    candidate = seat.enrolment.candidate
    if not candidate.photo:
        return ""
    try:
        with candidate.photo.open("rb") as handle:
            data = handle.read()
    except OSError:
        return ""
    kind = "png" if data[:4] == b"\x89PNG" else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"


def ticket(seat: Seat) -> bytes:
    return render_pdf("pdf/admission_ticket.html", {"seat": seat, "photo": _photo_uri(seat)})


def tickets(seats: list[Seat]) -> bytes:
    """All tickets of a room as one file (each on its own page)."""
    return merge_pdfs([ticket(seat) for seat in seats])


def room_materials(seats: list[Seat], context: dict[str, Any]) -> bytes:
    """The seat list and the sign-in sheet of one room and session, as one file."""
    return render_pdf("pdf/room_materials.html", {"seats": seats, **context})
