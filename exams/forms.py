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


class SelfEnrolmentForm(forms.Form):
    """The candidate's own enrolment photo, taken with the camera, and their consent."""

    # The same limit as the frames of the face check.
    MAX_BYTES = 15 * 1024 * 1024

    photo = forms.FileField(
        label=_("Enrolment photo"),
        help_text=_("Taken with the camera: your face alone, looking at it, in good light."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png", "capture": "user"}
        ),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that my face photo and a template computed from it are kept to confirm my "
            "identity in this exam."
        ),
        error_messages={"required": _("Tick the consent box to enrol your face.")},
    )

    def clean_photo(self) -> object:
        photo = self.cleaned_data["photo"]
        if photo.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The photo is larger than 15 MB. Take it again."))
        return photo
