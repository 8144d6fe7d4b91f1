from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reference.models import Institution

MAX_UPLOAD = 50 * 1024 * 1024


class ImportForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.all(), required=False
    )
    file = forms.FileField(label=_("Candidate spreadsheet (xlsx, from the template)"))
    photos = forms.FileField(label=_("Photos (zip, each file named by ID number)"), required=False)
    valid_only = forms.BooleanField(
        label=_("Import the valid rows even if some rows are bad"), required=False
    )
    dry_run = forms.BooleanField(label=_("Check only, import nothing"), required=False)

    def __init__(self, *args: Any, choose_institution: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not choose_institution:
            del self.fields["institution"]
        else:
            self.fields["institution"].required = True

    def _small(self, name: str) -> Any:
        upload = self.cleaned_data.get(name)
        if upload and upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload

    def clean_file(self) -> Any:
        return self._small("file")

    def clean_photos(self) -> Any:
        return self._small("photos")


class PhotosForm(forms.Form):
    photos = forms.FileField(label=_("Photos (zip, each file named by ID number)"))

    def clean_photos(self) -> Any:
        upload = self.cleaned_data["photos"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload
