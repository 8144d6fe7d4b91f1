"""Forms of the staff's exam set-up pages: the exam's settings, its fixed paper and its rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from exams.exam_setup import SETTINGS_FIELDS
from exams.models import Exam
from questionbank.models import Question, Subject

DATETIME = {"type": "datetime-local"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class ExamForm(forms.ModelForm):
    """Every setting of an exam. The duration is typed in minutes."""

    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=1,
        max_value=24 * 60,
        help_text=_("Each candidate's answering time, cut short by the closing time."),
    )

    class Meta:
        model = Exam
        fields = [name for name in SETTINGS_FIELDS if name != "duration"]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs=DATETIME, format=DATETIME_FORMAT),
            "closes_at": forms.DateTimeInput(attrs=DATETIME, format=DATETIME_FORMAT),
            "commitment_text": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "code": _("A short unique code, such as SAFETY-2026-FORMAL."),
            "kind": _(
                "Device set-up: candidates check their cameras and connection with the "
                "proctors, with no paper needed. Trial: a practice run. Formal: the exam "
                "that counts."
            ),
            "opens_at": _("Answering starts at this time."),
            "closes_at": _("Nobody answers after this time."),
            "early_sign_in_minutes": _(
                "How long before the opening candidates may sign in and do the checks. "
                "Empty: the platform's default."
            ),
            "min_answer_minutes": _(
                "Candidates cannot submit before this many minutes of answering (0: any time)."
            ),
            "requires_identity": _("A face check, or a manual review by staff, before the exam."),
            "requires_camera": _(
                "The computer's camera and microphone stream to the proctor and are recorded."
            ),
            "requires_second_view": _(
                "Candidates connect a phone as a second camera before they may start."
            ),
            "requires_screen_share": _(
                "Candidates share their entire screen (a whole monitor; a window or a tab is "
                "refused). It is recorded and sampled as stills for the review page; answering "
                "pauses while the share is stopped. Extra displays are reported where the "
                "browser can tell. Needs a desktop Chrome or Edge."
            ),
            "requires_room_scan": _(
                "Before answering, candidates turn the phone slowly through a full circle to "
                "show the room; the scan is kept with the attempt for the review. Needs the "
                "phone camera."
            ),
            "leave_grace_seconds": _(
                "When leaving the page ends the attempt: only a leave longer than this counts "
                "(a moment's lost focus does not). Every leave is still recorded."
            ),
            "view_loss_grace_seconds": _(
                "While a required camera (the computer's; the phone's where required) or the "
                "required screen share has been lost for longer than this, answering is paused; "
                "the clock keeps running."
            ),
            "flags_visible_to_candidate": _(
                "When the review is finished, candidates see its warnings and violations with "
                "the reviewer's reason and a summary of the evidence, and may appeal once; "
                "another reviewer decides."
            ),
            "appeal_window_days": _(
                "How many days after the review is finished a candidate may appeal."
            ),
            "commitment_text": _(
                "The commitment letter candidates sign before the exam. Empty: the platform's "
                "standard letter."
            ),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        subject: Any = self.fields["subject"]
        subject.queryset = Subject.objects.managed_by(user)
        attempts: Any = self.fields["max_attempts"]
        attempts.validators.append(MinValueValidator(1))
        attempts.widget.attrs["min"] = 1
        if self.instance.pk:
            self.fields["duration_minutes"].initial = self.instance.duration_minutes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # A value shown on the page and sent back unchanged is the stored one, even when the
        # page rounds it (times to the minute, the duration to whole minutes).
        if self.instance.pk:
            for name in ("opens_at", "closes_at"):
                stored = getattr(self.instance, name)
                if data.get(name) and data[name] == stored.replace(second=0, microsecond=0):
                    data[name] = stored
        minutes = data.get("duration_minutes")
        if minutes is not None:
            data["duration"] = dt.timedelta(minutes=minutes)
            if self.instance.pk and minutes == self.instance.duration_minutes:
                data["duration"] = self.instance.duration
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The exam must close after it opens."))
        elif opens and closes and minutes and dt.timedelta(minutes=minutes) > closes - opens:
            self.add_error(
                "duration_minutes",
                _("The duration is longer than the exam's window: close it later or shorten it."),
            )
        if data.get("requires_room_scan") and not data.get("requires_second_view"):
            self.add_error(
                "requires_room_scan",
                _(
                    "The room scan is recorded by the phone: also tick “second view (phone) "
                    "required”, or untick the room scan."
                ),
            )
        least = data.get("min_answer_minutes")
        if least and minutes and least > minutes:
            self.add_error(
                "min_answer_minutes",
                _("The minimum answering time cannot be longer than the duration."),
            )
        return data


class PaperModeForm(forms.Form):
    paper_mode = forms.ChoiceField(label=_("Paper"), choices=Exam.PaperMode.choices)


class BankFilterForm(forms.Form):
    """Which questions of the subject's bank to list for adding to a fixed paper."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *Question.Kind.choices]
    )
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any difficulty")), *[(n, str(n)) for n in range(1, 6)]],
    )
    chapter = forms.ChoiceField(label=_("Chapter"), required=False)

    def __init__(self, *args: Any, chapters: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: Any = [("", _("Any chapter")), *[(c, c) for c in chapters]]
        chapter: Any = self.fields["chapter"]
        chapter.choices = choices


class RuleForm(forms.Form):
    """One rule of a drawn paper: ``count`` questions of a type, optionally of one difficulty
    and one chapter, each worth ``points`` (empty: the question's own points)."""

    # The empty choice first, so an empty row of the page is left out, not half a rule.
    kind = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *Question.Kind.choices])
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any difficulty")), *[(n, str(n)) for n in range(1, 6)]],
    )
    chapter = forms.ChoiceField(label=_("Chapter"), required=False)
    count = forms.IntegerField(label=_("Number of questions"), min_value=1, max_value=500)
    points = forms.IntegerField(
        label=_("Points each"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("Empty: each question's own points."),
    )

    def __init__(self, *args: Any, chapters: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: Any = [("", _("Any chapter")), *[(c, c) for c in chapters]]
        chapter: Any = self.fields["chapter"]
        chapter.choices = choices
