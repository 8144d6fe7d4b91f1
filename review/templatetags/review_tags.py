from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.873 → "87 %" (the figures of the precision page)."""
    return "" if value is None else f"{round(value * 100)} %"


@register.filter
def lookup(mapping: dict, key: object) -> object:
    return mapping.get(key, "")
