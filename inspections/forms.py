"""Forms of the inspection pages. Evidence files are read from ``request.FILES`` by the views
and checked by ``inspections.uploads`` inside the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Unit,
    UnitKind,
)


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *UnitKind.choices]
    )


class FindingFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("All unresolved")),
        ("overdue", _("Overdue")),
        ("open", _("Open")),
        ("submitted", _("Awaiting review")),
        ("reopened", _("Reopened")),
        ("accepted", _("Accepted (closed)")),
        ("all", _("All")),
    ]
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        text = obj.text.split("\n", 1)[0]
        return f"{obj.section.title} · {text[:60]}"


class FindingForm(forms.Form):
    item = ItemChoiceField(label=_("Checklist item"), queryset=ChecklistItem.objects.none())
    description = forms.CharField(
        label=_("What was found"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    owner = forms.ModelChoiceField(
        label=_("Owner (who rectifies it)"), queryset=User.objects.none()
    )
    deadline = forms.DateTimeField(
        label=_("Rectify by"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, unit: Unit, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ChecklistItem.objects.filter(  # type: ignore[attr-defined]
            section__template__unit_kind=unit.kind, section__template__is_active=True
        ).select_related("section")
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            unit_memberships__unit=unit, is_active=True
        )
        self.fields["owner"].label_from_instance = lambda user: user.display_name  # type: ignore[attr-defined]


class ProgressForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )
    fixed = forms.BooleanField(
        label=_("The problem is fixed: ask the inspector to review it"), required=False
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept: the problem is fixed")), ("reopen", _("Reopen"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    new_deadline = forms.DateTimeField(
        label=_("New deadline (when reopening)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class ChecklistTemplateForm(forms.ModelForm):
    """A checklist's name, kind and weekly schedule; the code only when creating it."""

    class Meta:
        model = ChecklistTemplate
        fields = ["code", "name", "unit_kind", "report_weekday", "report_time"]
        widgets = {"report_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        help_texts = {"code": _("Letters, digits and hyphens; unique, cannot change later.")}

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


class ChecklistCopyForm(forms.ModelForm):
    """The code and name of a copy; everything else comes from the template copied."""

    class Meta:
        model = ChecklistTemplate
        fields = ["code", "name"]
        help_texts = {"code": _("Letters, digits and hyphens; unique, cannot change later.")}


class ChecklistSectionForm(forms.ModelForm):
    class Meta:
        model = ChecklistSection
        fields = ["title"]


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["text", "due", "due_date", "department"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {"due": _("A period as the notice states it, such as 4 月中旬.")}

    def clean_text(self) -> str:
        text = str(self.cleaned_data["text"]).strip()
        if len(text) > 2000:
            raise forms.ValidationError(_("At most 2000 characters."))
        return text
