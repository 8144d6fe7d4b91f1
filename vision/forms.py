from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class EnrolPhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Face photo"), help_text=_("JPEG or PNG, one face, good light.")
    )


class UnbindForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
