from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from exams.passcodes import IDENTITY_CHECKS
from support import screenshots

REASON_HELP = _("Recorded in the audit log with your name.")


class MakeupRequestForm(forms.Form):
    explanation = forms.CharField(
        label=_("What happened"),
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("When it happened, what you saw on the screen, what you did."),
    )
    screenshot = forms.FileField(
        label=_("Screenshot"),
        help_text=_("A PNG, JPEG or WebP image of your screen (at most 5 MB)."),
    )

    def clean_screenshot(self) -> Any:
        upload = self.cleaned_data["screenshot"]
        self.extension = screenshots.check(upload)
        return upload


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("grant", _("Grant a make-up attempt")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, help_text=REASON_HELP)


class CorrectAnswerForm(forms.Form):
    question = forms.IntegerField(widget=forms.HiddenInput)
    response = forms.CharField(
        label=_("Correct answer"),
        required=False,
        max_length=5000,
        help_text=_(
            "Single choice: a key (B). Multiple: keys separated by commas (A,C). "
            "True or false: T or F. Fill-in: blanks separated by |. Empty: no answer."
        ),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, help_text=REASON_HELP)


class ScheduleForm(forms.Form):
    send_at = forms.DateTimeField(
        label=_("Send at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class ReissueForm(forms.Form):
    checks = forms.MultipleChoiceField(
        label=_("How you confirmed the caller's identity"),
        choices=list(IDENTITY_CHECKS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_checks(self) -> list[str]:
        checks: list[str] = self.cleaned_data["checks"]
        if len(checks) < 2:
            raise ValidationError(_("Confirm the caller's identity in at least two ways."))
        return checks


def parse_response(kind: str, text: str) -> Any:
    """The staff's typed correction in the shape the answer contract expects."""
    text = text.strip()
    if not text:
        return None
    if kind == "multiple":
        return [part.strip().upper() for part in text.split(",") if part.strip()]
    if kind == "fill_in":
        return [part.strip() for part in text.split("|")]
    if kind in ("single", "true_false"):
        return text.upper()
    return text
