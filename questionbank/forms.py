from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from questionbank.models import Question, Subject


class SubjectForm(forms.ModelForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                _("Use letters, digits, dots, hyphens and underscores."),
            )
        ],
        help_text=_("Short and unique, such as 00015 or IT-THEORY; used by the import command."),
    )

    class Meta:
        model = Subject
        fields = ["code", "name"]


class BankFilterForm(forms.Form):
    """The search and filters of a bank page (GET). Unknown values are ignored, not errors."""

    STATUS_CHOICES = [
        ("active", _("In use")),
        ("retired", _("Retired")),
        ("all", _("All")),
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *Question.Kind.choices]
    )
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any difficulty")), *[(n, str(n)) for n in range(1, 6)]],
    )
    chapter = forms.ChoiceField(label=_("Chapter"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args: Any, chapters: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chapter_field = self.fields["chapter"]
        assert isinstance(chapter_field, forms.ChoiceField)
        chapter_field.choices = [("", _("All chapters")), *[(c, c) for c in chapters]]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Question file"),
        help_text=_("The question template (.xlsx), a Moodle XML file or a GIFT file."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xml"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.QUESTIONBANK_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(n)d MB.") % {"n": limit // (1024 * 1024)}
            )
        return upload
