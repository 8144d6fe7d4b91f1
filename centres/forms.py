from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
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


def _clean_username(value: str) -> str:
    value = value.strip()
    User.username_validator(value)
    if User.objects.filter(username__iexact=value).exists():
        raise forms.ValidationError(_("This username is taken; choose another."))
    return value


class LoginFields(forms.Form):
    """A login for a member of staff: the username they will sign in with and, when they have
    no mobile phone, the e-mail address the invitation goes to."""

    username = forms.CharField(
        label=_("Username for the login"),
        max_length=150,
        help_text=_(
            "Letters, digits and @ . + - _ only. An invitation to set the password is sent by SMS."
        ),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("Only needed when there is no mobile phone: the invitation is sent there."),
    )

    def clean_username(self) -> str:
        return _clean_username(self.cleaned_data["username"])


class StaffMemberForm(forms.ModelForm):
    """Record a proctor or evaluator; filling in a username also gives them a login."""

    username = forms.CharField(
        label=_("Username for a login (optional)"),
        max_length=150,
        required=False,
        help_text=_(
            "Fill in to give them a login: an invitation to set the password is sent by SMS."
        ),
    )
    email = forms.EmailField(
        label=_("E-mail address (optional)"),
        required=False,
        help_text=_("Only needed for a login when there is no mobile phone."),
    )

    class Meta:
        model = StaffMember
        fields = ["kind", "name", "phone", "id_number"]

    def clean_username(self) -> str:
        value = self.cleaned_data.get("username") or ""
        return _clean_username(value) if value.strip() else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("username") and not (data.get("phone") or data.get("email")):
            self.add_error(
                "phone",
                _("Give a mobile phone or an e-mail address: the invitation is sent there."),
            )
        return data

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


class SiteAdminForm(LoginFields):
    """The evaluation organisation makes a site administrator for a site."""

    full_name = forms.CharField(label=_("Full name"), max_length=100)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    field_order = ["full_name", "username", "phone", "email"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("phone", "").strip() or data.get("email")):
            self.add_error(
                "phone",
                _("Give a mobile phone or an e-mail address: the invitation is sent there."),
            )
        return data
