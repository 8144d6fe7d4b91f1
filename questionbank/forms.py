from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from questionbank import rich_text, shapes
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
        help_text=_(
            "The question template (.xlsx), a Moodle XML file, a GIFT file (.gift, .txt) or QTI "
            "2.1 / 3.0 items (an item .xml or a content package .zip)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xml,.gift,.txt,.zip"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.QUESTIONBANK_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(n)d MB.") % {"n": limit // (1024 * 1024)}
            )
        return upload


Kind = Question.Kind
OPTION_ROWS = 6  # rows the editor shows for options and blanks; blank rows are ignored
VARIANT_SEPARATOR = re.compile(r"[|｜]")


class QuestionForm(forms.Form):
    """The editor's form for one kind of question (the kind is chosen before, and kept).

    Options are fixed rows, lettered from A; rows left empty are dropped and the rest lettered
    again in order, the answer following its row.

    Texts are typed as plain text and saved as escaped HTML paragraphs beside it. A text left as
    it was keeps the formatted HTML it had (an imported question's bold, tables and images):
    the editor shows their plain text, and saving it unchanged must not flatten them.

    What the bank accepts is decided by ``shapes.problems``, the same check the importers use;
    its messages land on the field they name.
    """

    text = forms.CharField(
        label=_("Question text"),
        max_length=shapes.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    points = forms.IntegerField(
        label=_("Points"), min_value=1, max_value=shapes.MAX_POINTS, initial=1
    )
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"),
        coerce=int,
        initial=3,
        choices=[(n, str(n)) for n in range(1, 6)],
        help_text=_("1 is easy, 5 is hard."),
    )
    chapter = forms.CharField(
        label=_("Chapter"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"list": "chapters"}),
        help_text=_("Papers can draw questions by chapter; leave empty if the subject has none."),
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        max_length=shapes.MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to candidates after the exam when the exam allows it."),
    )
    # The question as the form describes it, once the form is valid.
    draft: shapes.Draft | None = None

    def __init__(self, *args: Any, kind: str, question: Question | None = None, **kwargs: Any):
        if question is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(question)
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.question = question
        self.option_names: list[str] = []
        self.blank_names: list[str] = []
        if kind == Kind.FILL_IN:
            self.fields["text"].help_text = _(
                "Mark each blank with three underscores (____) or empty brackets （ ）."
            )
        if kind in (Kind.SINGLE, Kind.MULTIPLE):
            rows = max(OPTION_ROWS, len(question.options) if question else 0)
            for key in shapes.OPTION_KEYS[:rows]:
                name = f"option_{key}"
                self.fields[name] = forms.CharField(
                    label=_("Option %(key)s") % {"key": key},
                    max_length=shapes.MAX_OPTION_TEXT,
                    required=False,
                )
                self.option_names.append(name)
            keys = [(key, key) for key in shapes.OPTION_KEYS[:rows]]
            if kind == Kind.SINGLE:
                self.fields["answer"] = forms.ChoiceField(
                    label=_("Correct option"),
                    choices=keys,
                    widget=forms.RadioSelect,
                    error_messages={"required": _("Choose the correct option.")},
                )
            else:
                self.fields["answer"] = forms.MultipleChoiceField(
                    label=_("Correct options"),
                    choices=keys,
                    widget=forms.CheckboxSelectMultiple,
                    help_text=_("Tick every option a candidate must choose."),
                    error_messages={"required": _("Tick at least one correct option.")},
                )
        elif kind == Kind.TRUE_FALSE:
            self.fields["answer"] = forms.ChoiceField(
                label=pgettext_lazy("the right answer", "Correct answer"),
                choices=[("T", _("True")), ("F", _("False"))],
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose true or false.")},
            )
        elif kind == Kind.FILL_IN:
            rows = max(OPTION_ROWS, len(question.answer) if question else 0)
            for number in range(1, rows + 1):
                name = f"blank_{number}"
                self.fields[name] = forms.CharField(
                    label=_("Blank %(n)d: accepted answers") % {"n": number},
                    max_length=settings.QUESTIONBANK_FILL_IN_MAX_CHARS * 10,
                    required=False,
                    help_text=_("Separate answers that are all right with |, as in 443|四四三.")
                    if number == 1
                    else "",
                )
                self.blank_names.append(name)
        elif kind == Kind.SHORT_ANSWER:
            self.fields["answer"] = forms.CharField(
                label=_("Reference answer"),
                max_length=shapes.MAX_TEXT,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_("For markers; short answers are never scored automatically."),
            )
        # Fields in the order the page lays them out.
        order = ["text", *self.option_names, "answer", *self.blank_names]
        order += ["points", "difficulty", "chapter", "explanation"]
        self.order_fields([name for name in order if name in self.fields])

    @staticmethod
    def initial_from(question: Question) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(question, name)
            for name in ("text", "points", "difficulty", "chapter", "explanation")
        }
        if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
            for option in question.options:
                initial[f"option_{option['key']}"] = option["text"]
        if question.kind == Kind.FILL_IN:
            for number, texts in enumerate(question.answer, start=1):
                initial[f"blank_{number}"] = " | ".join(texts)
        else:
            initial["answer"] = question.answer
        return initial

    def fields_of(self, names: list[str]) -> list[forms.BoundField]:
        return [self[name] for name in names]

    def option_fields(self) -> list[forms.BoundField]:
        return self.fields_of(self.option_names)

    def blank_fields(self) -> list[forms.BoundField]:
        return self.fields_of(self.blank_names)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        draft = shapes.Draft(
            kind=self.kind,
            text=data["text"],
            text_html=self._html("text", data["text"]),
            points=data["points"],
            difficulty=data["difficulty"],
            chapter=data["chapter"],
            explanation=data["explanation"],
            explanation_html=self._html("explanation", data["explanation"]),
        )
        if self.kind in (Kind.SINGLE, Kind.MULTIPLE):
            if not self._read_options(draft, data):
                return data
        elif self.kind == Kind.TRUE_FALSE:
            draft.options = [dict(option) for option in shapes.TRUE_FALSE_OPTIONS]
            draft.answer = data["answer"]
        elif self.kind == Kind.FILL_IN:
            draft.answer = self._read_blanks(data)
        else:
            draft.answer = data.get("answer", "").replace("\r\n", "\n")
        for name, message in shapes.problems(draft):
            self.add_error(self._field_for(name), message)
        self.draft = draft
        return data

    def _html(self, name: str, typed: str) -> str:
        """The HTML to save for the text field ``name``: what the question had when the text is
        unchanged, else the typed text as escaped paragraphs."""
        if self.question is not None and getattr(self.question, name) == typed:
            return str(getattr(self.question, f"{name}_html"))
        return rich_text.from_plain(typed)

    def _read_options(self, draft: shapes.Draft, data: dict[str, Any]) -> bool:
        """Letter the filled rows from A and move the answer with them; False (with an error on
        the answer) when a correct option has no text."""
        renamed: dict[str, str] = {}
        # An option whose text is unchanged keeps its formatted HTML, if it had any.
        formatted = {
            str(option["text"]): str(option["html"])
            for option in (self.question.options if self.question is not None else [])
            if option.get("html")
        }
        for name in self.option_names:
            option_text = data.get(name, "").strip()
            if option_text:
                key = shapes.OPTION_KEYS[len(draft.options)]
                renamed[name.removeprefix("option_")] = key
                option = {"key": key, "text": option_text}
                if option_text in formatted:
                    option["html"] = formatted[option_text]
                draft.options.append(option)
        chosen = [data["answer"]] if self.kind == Kind.SINGLE else list(data["answer"])
        empty = [key for key in chosen if key not in renamed]
        if empty:
            self.add_error(
                "answer",
                _(
                    "Option %(key)s is marked correct but has no text: write that option or "
                    "mark another one."
                )
                % {"key": empty[0]},
            )
            return False
        keys = [renamed[key] for key in chosen]
        draft.answer = keys[0] if self.kind == Kind.SINGLE else sorted(keys)
        return True

    def _read_blanks(self, data: dict[str, Any]) -> list[list[str]]:
        blanks = []
        for name in self.blank_names:
            variants = [v.strip() for v in VARIANT_SEPARATOR.split(data.get(name, "")) if v.strip()]
            blanks.append(variants)
        # Rows after the last filled one are unused; an empty row between two is an error that
        # ``shapes`` names ("give at least one accepted text for every blank").
        while blanks and not blanks[-1]:
            blanks.pop()
        return blanks

    def _field_for(self, name: str) -> str | None:
        if name == "options":
            return self.option_names[0] if self.option_names else None
        if name == "answer" and self.kind == Kind.FILL_IN:
            return self.blank_names[0]
        if name == "kind" or name not in self.fields:
            return None
        return name
