"""PDF documents (admission tickets, certificates, reports) from Django templates.

WeasyPrint lays out HTML and CSS through Pango, which finds fonts with fontconfig, so Chinese
text renders with any installed CJK font (Debian: fonts-noto-cjk). Templates should extend
``pdf/base.html``, which names the CJK fonts first.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def render_pdf(
    template_name: str, context: dict[str, Any], *, base_url: str | None = None
) -> bytes:
    """Render ``template_name`` with ``context`` to PDF bytes."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only PDF work needs it

    html = render_to_string(template_name, context)
    return bytes(HTML(string=html, base_url=base_url).write_pdf())


def merge_pdfs(documents: list[bytes]) -> bytes:
    """One PDF with the pages of ``documents`` in order (e.g. every ticket of a room)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for document in documents:
        writer.append(io.BytesIO(document))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
