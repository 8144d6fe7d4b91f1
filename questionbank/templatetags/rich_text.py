"""``{{ question.text_html|rich:question.text }}``: formatted question text on a page.

The one way templates show a question's HTML: it is sanitised again here (``rich_text.display``)
before it is marked safe, so only the allow-list's markup reaches a page whatever a row holds;
without HTML the plain text is shown as escaped paragraphs. ``rich_option`` does the same for an
option (``{{ option|rich_option }}``), inline.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from questionbank import rich_text

register = template.Library()


@register.filter
def rich(html: str | None, text: str | None) -> SafeString:
    return rich_text.display(html or "", text or "")


@register.filter
def rich_option(option: dict[str, Any]) -> SafeString:
    return rich_text.inline(str(option.get("html") or ""), str(option.get("text") or ""))
