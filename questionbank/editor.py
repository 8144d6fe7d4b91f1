"""Writing questions by hand (R-EXAM-1): the form of the question editor and the changes it
makes. A question goes through the same checks as an imported one (``shapes.problems``), so a
bank holds one shape of question whichever way it came in.

A question some candidate has already been given (it is on an attempt's paper) is not changed
in place: its text, options and answer are what that candidate saw and what their answer is
marked against. The editor offers a copy instead, saved as a new question, with the old one
retired if the author wishes.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import record
from core.errors import Refused
from questionbank import shapes
from questionbank.models import Question, Subject

Kind = Question.Kind
OPTION_KEYS = shapes.OPTION_KEYS[:6]


class QuestionInUse(Refused):
    """The question is on a candidate's paper: copy it instead."""

    code = "in_use"


def given_to_candidates(question: Question) -> bool:
    """Whether any attempt's paper holds ``question``. The exams app owns attempts and imports
    this one, so they are looked up through the app registry rather than imported (an import
    would make the two apps depend on each other)."""
    attempt = apps.get_model("exams", "Attempt")
    return attempt.objects.filter(paper__contains=[{"question": question.pk}]).exists()


class QuestionForm(forms.Form):
    """All five kinds on one form: the fields a kind does not use are ignored for it."""

    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=Kind.choices)
    text = forms.CharField(
        label=gettext_lazy("Question"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=shapes.MAX_TEXT,
        help_text=gettext_lazy(
            "For fill in the blanks, mark each blank with ____ (three or more underscores) "
            "or empty brackets （ ）."
        ),
    )
    correct = forms.MultipleChoiceField(
        label=gettext_lazy("Correct option(s)"),
        choices=[(key, key) for key in OPTION_KEYS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("Single choice: tick one. Multiple choice: tick every correct one."),
    )
    true_false = forms.ChoiceField(
        label=gettext_lazy("The statement is"),
        choices=[("T", gettext_lazy("True")), ("F", gettext_lazy("False"))],
        widget=forms.RadioSelect,
        required=False,
    )
    blanks = forms.CharField(
        label=gettext_lazy("Accepted answers per blank"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=gettext_lazy(
            "One line per blank, in order; separate the texts accepted for a blank with |."
        ),
    )
    reference = forms.CharField(
        label=gettext_lazy("Reference answer for markers"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=shapes.MAX_TEXT,
    )
    points = forms.IntegerField(
        label=gettext_lazy("Points"), min_value=1, max_value=shapes.MAX_POINTS, initial=1
    )
    difficulty = forms.IntegerField(
        label=gettext_lazy("Difficulty (1-5)"), min_value=1, max_value=5, initial=3
    )
    chapter = forms.CharField(label=gettext_lazy("Chapter"), max_length=100, required=False)
    explanation = forms.CharField(
        label=gettext_lazy("Explanation shown after marking"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=shapes.MAX_TEXT,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in OPTION_KEYS:
            self.fields[f"option_{key}"] = forms.CharField(
                label=_("Option %(key)s") % {"key": key},
                max_length=shapes.MAX_OPTION_TEXT,
                required=False,
            )
        self.draft: shapes.Draft | None = None

    def option_fields(self) -> list[forms.BoundField]:
        return [self[f"option_{key}"] for key in OPTION_KEYS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        draft = self._draft(data)
        answer_field: dict[str, str] = {
            Kind.SINGLE: "correct",
            Kind.MULTIPLE: "correct",
            Kind.TRUE_FALSE: "true_false",
            Kind.FILL_IN: "blanks",
            Kind.SHORT_ANSWER: "reference",
        }
        where = {"options": "option_A", "answer": answer_field[draft.kind]}
        for field, message in shapes.problems(draft):
            self.add_error(where.get(field, field if field in self.fields else None), message)
        if not self.errors:
            self.draft = draft
        return data

    def _draft(self, data: dict[str, Any]) -> shapes.Draft:
        kind = data["kind"]
        options: list[dict[str, str]] = []
        answer: Any = None
        if kind in (Kind.SINGLE, Kind.MULTIPLE):
            # Blank rows are skipped; the options keep their letters A, B, C… in order.
            texts = [data[f"option_{key}"].strip() for key in OPTION_KEYS]
            letters = iter(OPTION_KEYS)
            renamed: dict[str, str] = {}
            for key, text in zip(OPTION_KEYS, texts, strict=True):
                if text:
                    renamed[key] = next(letters)
                    options.append({"key": renamed[key], "text": text})
            chosen = sorted(renamed.get(key, "?") for key in data["correct"])
            if kind == Kind.SINGLE:
                # One tick is the answer; none or several is an answer shapes refuses.
                answer = chosen[0] if len(chosen) == 1 else (chosen or None)
            else:
                answer = chosen
        elif kind == Kind.TRUE_FALSE:
            options = [dict(option) for option in shapes.TRUE_FALSE_OPTIONS]
            answer = data["true_false"] or None
        elif kind == Kind.FILL_IN:
            answer = [
                [text.strip() for text in line.split("|") if text.strip()]
                for line in data["blanks"].splitlines()
                if line.strip()
            ]
        else:
            answer = data["reference"].strip()
        return shapes.Draft(
            kind=kind,
            text=data["text"].strip(),
            options=options,
            answer=answer,
            points=data["points"],
            difficulty=data["difficulty"],
            chapter=data["chapter"].strip(),
            explanation=data["explanation"].strip(),
            source=_("written in the editor"),
        )


def initial_for(question: Question) -> dict[str, Any]:
    """The form's values for an existing question."""
    initial: dict[str, Any] = {
        "kind": question.kind,
        "text": question.text,
        "points": question.points,
        "difficulty": question.difficulty,
        "chapter": question.chapter,
        "explanation": question.explanation,
    }
    if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        for option in question.options:
            initial[f"option_{option['key']}"] = option["text"]
        answer = question.answer
        initial["correct"] = [answer] if isinstance(answer, str) else list(answer)
    elif question.kind == Kind.TRUE_FALSE:
        initial["true_false"] = question.answer
    elif question.kind == Kind.FILL_IN:
        initial["blanks"] = "\n".join(" | ".join(texts) for texts in question.answer)
    else:
        initial["reference"] = question.answer
    return initial


FIELDS = ("kind", "text", "options", "answer", "points", "difficulty", "chapter", "explanation")


def create(
    subject: Subject,
    draft: shapes.Draft,
    *,
    by: Any,
    request: HttpRequest | None = None,
    replaces: Question | None = None,
) -> Question:
    """Save ``draft`` as a new question of ``subject``; when it ``replaces`` a question, that
    one is retired in the same transaction."""
    with transaction.atomic():
        question = draft.to_question(subject.pk)
        question.save()
        record(
            "question.created",
            actor=by,
            target=question,
            request=request,
            subject=subject.code,
            copied_from=replaces.pk if replaces else None,
        )
        if replaces is not None and not replaces.retired:
            Question.objects.filter(pk=replaces.pk).update(retired=True)
            record(
                "question.retired",
                actor=by,
                target=replaces,
                request=request,
                subject=subject.code,
                replaced_by=question.pk,
            )
    return question


def update(
    question: Question, draft: shapes.Draft, *, by: Any, request: HttpRequest | None = None
) -> list[str]:
    """Change ``question`` to ``draft``; returns the names of the fields that changed. Refused
    once a candidate has been given the question (checked under a row lock, so a paper drawn
    at the same moment is seen)."""
    with transaction.atomic():
        locked = Question.objects.select_for_update().get(pk=question.pk)
        if given_to_candidates(locked):
            raise QuestionInUse(
                _(
                    "Candidates have already been given this question, so it cannot change: "
                    "their answers are marked against it. Copy it as a new question instead "
                    "(the copy can retire this one)."
                )
            )
        new = draft.to_question(locked.subject_id)
        changed = [name for name in FIELDS if getattr(locked, name) != getattr(new, name)]
        for name in changed:
            setattr(locked, name, getattr(new, name))
        if changed:
            locked.save(update_fields=changed)
            record(
                "question.changed",
                actor=by,
                target=locked,
                request=request,
                subject=locked.subject.code,
                fields=changed,
            )
    return changed
