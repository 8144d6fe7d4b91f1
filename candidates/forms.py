from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from candidates import idnumber
from candidates.imports import PHONE
from candidates.models import Candidate
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


_ID_PROBLEMS = {
    "length": _("An ID number has 18 characters."),
    "characters": _("An ID number has 17 digits and then a digit or X."),
    "region": _("The first two digits are not a province code."),
    "birth_date": _("Digits 7 to 14 are not a possible birth date."),
    "checksum": _("The last character does not match: check every digit against the ID card."),
}

REASON_HELP = _("Say what you checked or why (kept in the record's history).")


class CandidateForm(forms.ModelForm):
    """Correct a record; ``reason`` is kept with the change."""

    reason = forms.CharField(
        label=_("Reason for the correction"), max_length=200, help_text=REASON_HELP
    )

    class Meta:
        model = Candidate
        fields = ["name", "id_number", "phone", "institution", "certificate", "major"]

    def __init__(self, *args: Any, choose_institution: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not choose_institution:
            del self.fields["institution"]

    def clean_id_number(self) -> str:
        value = idnumber.normalise(self.cleaned_data.get("id_number") or "")
        code = idnumber.problem(value)
        if code:
            raise forms.ValidationError(
                _("This is not a valid ID number: %(why)s") % {"why": _ID_PROBLEMS[code]}
            )
        clash = Candidate.objects.filter(id_number=value).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Another candidate already has this ID number."))
        return value

    def clean_name(self) -> str:
        value = " ".join(self.cleaned_data["name"].split())
        if not value:
            raise forms.ValidationError(_("Give the full name as on the ID card."))
        return value

    def clean_phone(self) -> str:
        value = "".join(self.cleaned_data.get("phone", "").split())
        if value and not PHONE.match(value):
            raise forms.ValidationError(_("A mobile number has 11 digits and starts with 13–19."))
        return value

    def clean(self) -> dict[str, Any]:
        """The same rules as the import: a major of the list the certificate's organisation uses,
        inside the certificate's pilot scope when it has one."""
        data = super().clean() or {}
        certificate, major = data.get("certificate"), data.get("major")
        if certificate is not None and major is not None:
            if major.code_list != certificate.organisation.major_code_list:
                self.add_error(
                    "major", _("The major is not in the code list this certificate uses.")
                )
            elif (
                certificate.majors.exists() and not certificate.majors.filter(pk=major.pk).exists()
            ):
                self.add_error(
                    "major", _("The major is not in the pilot scope of this certificate.")
                )
        return data

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[])
    reason = forms.CharField(label=_("Reason"), max_length=200, help_text=REASON_HELP)

    def __init__(self, *args: Any, decisions: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["decision"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = decisions


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, help_text=REASON_HELP)
