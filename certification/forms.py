from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from certification import windows
from certification.models import ExamPlan
from reference.models import Certificate, Institution, Major, Organisation


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["code", "name", "major_code_list"]


class InstitutionForm(forms.ModelForm):
    class Meta:
        model = Institution
        fields = ["code", "name", "province"]


class CertificateForm(forms.ModelForm):
    class Meta:
        model = Certificate
        fields = ["organisation", "code", "name", "level", "majors"]
        widgets = {"majors": forms.CheckboxSelectMultiple}


class MajorForm(forms.ModelForm):
    class Meta:
        model = Major
        fields = ["code_list", "code", "name"]


class CodeListForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["major_code_list"]


class QuotaForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.all())
    certificate = forms.ModelChoiceField(label=_("Certificate"), queryset=Certificate.objects.all())
    major = forms.ModelChoiceField(label=_("Major"), queryset=Major.objects.all())
    declared = forms.IntegerField(label=_("Declared candidates"), min_value=0, max_value=100000)

    def __init__(self, *args: Any, institution: Institution | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if institution is not None:
            field: Any = self.fields["institution"]
            field.queryset = Institution.objects.filter(pk=institution.pk)
            self.fields["institution"].initial = institution.pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        certificate, major = data.get("certificate"), data.get("major")
        if certificate and major:
            if major.code_list != certificate.organisation.major_code_list:
                self.add_error("major", _("This major is not in the code list in use."))
            elif (
                certificate.majors.exists() and not certificate.majors.filter(pk=major.pk).exists()
            ):
                self.add_error(
                    "major", _("The major is not in the pilot scope of this certificate.")
                )
        return data


WINDOW_FIELDS = [f"{p}_{edge}" for p in windows.ORDER for edge in ("opens", "closes")]
WINDOW_WIDGETS = {
    name: forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    for name in WINDOW_FIELDS
}


class WindowOrder(forms.ModelForm):
    """Each window closes after it opens, and they open in the plan's order."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        previous_opens = None
        for phase in windows.ORDER:
            opens, closes = data.get(f"{phase}_opens"), data.get(f"{phase}_closes")
            if opens is None or closes is None:
                continue
            if opens >= closes:
                self.add_error(f"{phase}_closes", _("A window must close after it opens."))
            if previous_opens is not None and opens < previous_opens:
                self.add_error(
                    f"{phase}_opens",
                    _(
                        "The windows must be in order: registration, scheduling, exam, "
                        "score entry, publication."
                    ),
                )
            previous_opens = opens
        return data


class PlanForm(WindowOrder):
    class Meta:
        model = ExamPlan
        fields = ["organisation", "certificate", "code", "name", "pass_mark", *WINDOW_FIELDS]
        widgets = WINDOW_WIDGETS


class WindowsForm(WindowOrder):
    """The organisation moves a plan's windows: to close score entry and publish, or to end
    the plan so its certificates can be signed."""

    class Meta:
        model = ExamPlan
        fields = WINDOW_FIELDS
        widgets = WINDOW_WIDGETS

    def clean(self) -> dict[str, Any]:
        # The inputs show minutes: a window left as shown keeps its exact time.
        for name in WINDOW_FIELDS:
            value, old = self.cleaned_data.get(name), getattr(self.instance, name, None)
            if (
                value is not None
                and old is not None
                and value == old.replace(second=0, microsecond=0)
            ):
                self.cleaned_data[name] = old
        return super().clean()


class SessionForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("of a thing, not a person", "Name"), max_length=100)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class SheetForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (xlsx)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class QueryForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=40)
    name = forms.CharField(label=_("Full name"), max_length=100)


class VerifyUploadForm(forms.Form):
    """A certificate PDF someone was given, to check on the public verification page."""

    pdf = forms.FileField(label=_("Certificate PDF file"))

    def clean_pdf(self) -> bytes:
        from django.conf import settings

        upload = self.cleaned_data["pdf"]
        if upload.size > settings.CERT_VERIFY_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB: no certificate of ours is that large.")
                % {"mb": settings.CERT_VERIFY_MAX_BYTES // (1024 * 1024)}
            )
        data = bytes(upload.read())
        if not data.startswith(b"%PDF-"):
            raise forms.ValidationError(_("This file is not a PDF."))
        return data
