from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from candidates import idnumber
from centres.models import Room, StaffMember


class ApplicationForm(forms.Form):
    application = forms.CharField(
        label=_("Staff, equipment and premises"),
        help_text=_("Describe your proctors and evaluators, computers and network, and rooms."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", _("Give the reason for the rejection."))
        return data


class StaffMemberForm(forms.ModelForm):
    class Meta:
        model = StaffMember
        fields = ["kind", "name", "phone", "id_number"]

    def clean_id_number(self) -> str:
        value = idnumber.normalise(self.cleaned_data.get("id_number") or "")
        if value and idnumber.problem(value):
            raise forms.ValidationError(_("This is not a valid ID number."))
        return value


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["code", "name", "kind", "capacity"]

    def __init__(self, *args: Any, site: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site = site

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        if not 1 <= capacity <= 500:
            raise forms.ValidationError(_("A room seats between 1 and 500 candidates."))
        return int(capacity)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        clash = Room.objects.filter(site=self.site, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("The site already has a room with this code."))
        return str(code)
