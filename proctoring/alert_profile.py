"""An exam's AI rule profile as staff set it: which alert types are on, the severity each
opens with, how each detected device label counts (an open-book exam ignores books and keeps
phones), and the sensitivity thresholds of ``AlertRules``. An exam without a profile uses the
defaults (``AlertRules.defaults``), so saving the page unchanged keeps today's behaviour.

The profile is not a condition the candidate sat down under, so it may change at any time, also
while the exam runs: frames analysed from then on follow it; alerts already raised keep theirs.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.services import record
from proctoring.models import AlertKind, AlertRules, Severity

# Names people know for the COCO labels the vision workers report as devices.
DEVICE_LABEL_NAMES = {
    "cell phone": _("Phone"),
    "laptop": _("Laptop"),
    "tv": _("Screen or TV"),
    "keyboard": _("Keyboard"),
    "book": _("Book"),
}

# (field, label, help, lowest, highest): every threshold counts "from" its value, so a higher
# value means fewer alerts.
THRESHOLDS: list[tuple[str, Any, Any, float, float]] = [
    (
        "device_min_confidence",
        _("Device: confidence from"),
        _("A device counts from this detection confidence (0–1). Higher: fewer device alerts."),
        0.05,
        0.99,
    ),
    (
        "person_min_confidence",
        _("Person: confidence from"),
        _(
            "A person counts from this confidence (0–1); nobody found means left the seat. "
            "Higher: more left-seat alerts, fewer others."
        ),
        0.05,
        0.99,
    ),
    (
        "distance_threshold",
        _("Different person: face distance above"),
        _("Faces further than this from the enrolled face are someone else. Higher: fewer alerts."),
        0.3,
        1.0,
    ),
    (
        "looking_away_yaw",
        _("Looking away: head turn above"),
        _("0 faces the camera, 1 is in profile. Higher: fewer alerts."),
        0.1,
        1.0,
    ),
    (
        "voice_ratio",
        _("Talking: voiced share above"),
        _("The share of a sound chunk that is voice (0–1). Higher: fewer alerts."),
        0.05,
        1.0,
    ),
]

SAME_AS_DEVICE = ""
IGNORED = "0"


def device_labels(rules: AlertRules) -> list[str]:
    """The labels the workers report as devices (computer view and phone view), and any the
    profile already lists."""
    labels = [*settings.VISION_DEVICE_CLASSES, *settings.VISION_DEVICE_CLASSES_VIEW2]
    return list(dict.fromkeys([*labels, *(rules.device_labels or {})]))


def label_name(label: str) -> str:
    return str(DEVICE_LABEL_NAMES.get(label, label))


class ProfileForm(forms.Form):
    """One row per alert type (on, severity), one per device label, and the thresholds."""

    def __init__(self, *args: Any, rules: AlertRules, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.labels = device_labels(rules)
        severities = [(str(value), label) for value, label in Severity.choices]
        for kind, kind_name in AlertKind.choices:
            self.fields[f"on_{kind}"] = forms.BooleanField(
                label=kind_name, required=False, initial=rules.is_enabled(kind)
            )
            self.fields[f"severity_{kind}"] = forms.ChoiceField(
                label=_("Severity of “%(kind)s”") % {"kind": kind_name},
                choices=severities,
                initial=str(rules.severity_of(kind)),
            )
        label_choices = [
            (SAME_AS_DEVICE, _("As the device alert")),
            (IGNORED, _("Ignore")),
            *severities,
        ]
        for index, label in enumerate(self.labels):
            listed = (rules.device_labels or {}).get(label)
            self.fields[f"device_{index}"] = forms.ChoiceField(
                label=label_name(label),
                choices=label_choices,
                required=False,
                initial=SAME_AS_DEVICE if listed is None else str(listed),
            )
        for name, text, help_text, lowest, highest in THRESHOLDS:
            self.fields[name] = forms.FloatField(
                label=text,
                help_text=help_text,
                min_value=lowest,
                max_value=highest,
                initial=getattr(rules, name),
                widget=forms.NumberInput(attrs={"step": "0.01"}),
            )

    def kind_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"on_{kind}"], self[f"severity_{kind}"]) for kind in AlertKind.values]

    def label_fields(self) -> list[forms.BoundField]:
        return [self[f"device_{index}"] for index in range(len(self.labels))]

    def threshold_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, *_rest in THRESHOLDS]

    def profile(self) -> dict[str, Any]:
        """The cleaned form as ``AlertRules`` field values."""
        data = self.cleaned_data
        labels = {}
        for index, label in enumerate(self.labels):
            value = data.get(f"device_{index}") or SAME_AS_DEVICE
            if value != SAME_AS_DEVICE:
                labels[label] = int(value)
        defaults = AlertRules.defaults()
        return {
            "enabled": [],
            "disabled": [kind for kind in AlertKind.values if not data[f"on_{kind}"]],
            # Only what differs from the defaults is kept, so a later change of a default
            # reaches exams that never chose otherwise.
            "severities": {
                kind: int(data[f"severity_{kind}"])
                for kind in AlertKind.values
                if int(data[f"severity_{kind}"]) != defaults.severity_of(kind)
            },
            "device_labels": labels,
            **{name: data[name] for name, *_rest in THRESHOLDS},
        }


FIELDS = [
    "enabled",
    "disabled",
    "severities",
    "device_labels",
    *[name for name, *_rest in THRESHOLDS],
]


def save(exam: Any, values: dict[str, Any], *, by: Any, request: HttpRequest | None = None) -> bool:
    """Store ``values`` as the exam's profile; returns whether anything changed."""
    with transaction.atomic():
        rules = AlertRules.objects.select_for_update().filter(exam=exam).first()
        current = rules or AlertRules.defaults(exam)
        changes = {
            name: [getattr(current, name), values[name]]
            for name in FIELDS
            if getattr(current, name) != values[name]
        }
        if not changes:
            return False
        if rules is None:
            rules = AlertRules.defaults(exam)
        for name in FIELDS:
            setattr(rules, name, values[name])
        rules.save()
        record("exam.alert_rules_saved", actor=by, target=exam, request=request, changes=changes)
    return True


def reset(exam: Any, *, by: Any, request: HttpRequest | None = None) -> bool:
    """Back to the defaults: the exam's profile row goes."""
    with transaction.atomic():
        deleted, _rows = AlertRules.objects.filter(exam=exam).delete()
        if deleted:
            record("exam.alert_rules_reset", actor=by, target=exam, request=request)
    return bool(deleted)
