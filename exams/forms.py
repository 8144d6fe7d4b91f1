from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CandidateSignInForm(forms.Form):
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        help_text=_("Your resident ID number, used as your admission number."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "inputmode": "text"}
        ),
    )
    passcode = forms.CharField(
        label=_("Exam passcode"),
        max_length=32,
        help_text=_("The passcode sent to you by SMS for this exam."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class IdentityReviewForm(forms.Form):
    """A staff decision on an identity check waiting for review."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    note = forms.CharField(label=_("Note"), max_length=300)
