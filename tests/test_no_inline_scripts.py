"""Pages carry no inline script, so a Content-Security-Policy without 'unsafe-inline' can hold:
every script is a file under static/js."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def test_no_template_has_an_inline_script_or_handler() -> None:
    offenders = []
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for match in SCRIPT.finditer(text):
            attributes = match.group(1)
            if "src=" not in attributes and "application/json" not in attributes:
                offenders.append(f"{template}: <script{attributes}>")
        if re.search(r"\son(click|load|change|submit|input)=", text):
            offenders.append(f"{template}: inline event handler")
    assert not offenders, offenders
