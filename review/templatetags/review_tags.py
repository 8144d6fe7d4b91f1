from typing import Any

from django import template

from review import appeals

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.873 → "87 %" (the figures of the precision page)."""
    return "" if value is None else f"{round(value * 100)} %"


@register.filter
def lookup(mapping: dict, key: object) -> object:
    return mapping.get(key, "")


@register.inclusion_tag("review/_flags_link.html")
def flags_link(attempt: Any) -> dict[str, Any]:
    """On the candidate's result page: the way to the review's decided flags and the appeal,
    when the exam's policy shows them and the review is finished."""
    visible = appeals.flags_visible(attempt)
    return {"attempt": attempt, "visible": visible}
