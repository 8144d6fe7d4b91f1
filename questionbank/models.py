from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from questionbank.rich_text import display, inline


class SubjectQuerySet(models.QuerySet["Subject"]):
    def managed_by(self, user: Any) -> SubjectQuerySet:
        """Subjects whose banks ``user`` may see and change: every subject for the evaluation
        organisation (and superusers), none for anyone else."""
        if getattr(user, "is_authenticated", False) and user.has_role(Role.ORG_ADMIN):
            return self.all()
        return self.none()


class Subject(models.Model):
    """An exam subject (科目), e.g. a self-study course or a vocational skill's theory part."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)

    objects = SubjectQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class QuestionQuerySet(models.QuerySet["Question"]):
    def active(self) -> QuestionQuerySet:
        return self.filter(retired=False)

    def retired(self) -> QuestionQuerySet:
        return self.filter(retired=True)

    def matching(self, words: str) -> QuestionQuerySet:
        """Questions whose text, options, chapter or explanation contain every word of
        ``words`` (case-insensitive; options are searched in their stored JSON text)."""
        found = self
        for word in words.split()[:10]:
            found = found.filter(
                models.Q(text__icontains=word)
                | models.Q(chapter__icontains=word)
                | models.Q(explanation__icontains=word)
                | models.Q(options__icontains=word)
            )
        return found


class Question(models.Model):
    """One question of a subject's bank.

    ``text`` and ``explanation`` are plain text, read by search, lists, marking and exports that
    need text; ``text_html`` and ``explanation_html`` are the same as sanitised HTML
    (``questionbank.rich_text``), what the exam page and the bank's previews show — empty for
    questions written before formatted text was kept, which are shown from the plain text.

    ``options`` is a list of ``{"key": "A", "text": "…"}`` for choice questions (true/false uses
    the keys ``"T"`` and ``"F"``) and empty otherwise; an option imported with formatting or an
    image also has ``"html"``, its sanitised HTML (``text`` stays its plain text).

    ``answer`` is, by kind: single — the key; multiple — the sorted list of keys; true/false —
    ``"T"`` or ``"F"``; fill-in — a list with one entry per blank, each a list of accepted texts;
    short answer — a reference answer for markers (text), never scored automatically.
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")
        FILL_IN = "fill_in", _("Fill in the blanks")
        SHORT_ANSWER = "short_answer", _("Short answer")

    OBJECTIVE_KINDS = frozenset({Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE, Kind.FILL_IN})

    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="questions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("text"))
    text_html = models.TextField(_("formatted text"), blank=True)
    options = models.JSONField(_("options"), default=list, blank=True)
    answer = models.JSONField(_("correct answer"))
    points = models.PositiveSmallIntegerField(_("points"), default=1)
    difficulty = models.PositiveSmallIntegerField(_("difficulty (1-5)"), default=3)
    chapter = models.CharField(_("chapter"), max_length=100, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    explanation_html = models.TextField(_("formatted explanation"), blank=True)
    # Where the question came from (file and position), so an import can be traced and repeated.
    source = models.CharField(_("source"), max_length=200, blank=True)
    # Retired questions stay for the papers that used them but are drawn no more.
    retired = models.BooleanField(_("retired"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["subject", "id"]
        indexes = [models.Index(fields=["subject", "kind", "difficulty", "chapter"])]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return f"{self.subject.code} #{self.pk} {self.text[:30]}"

    @property
    def is_objective(self) -> bool:
        return self.kind in self.OBJECTIVE_KINDS

    def text_display(self) -> Any:
        """The text as a page shows it (sanitised again; see ``rich_text.display``)."""
        return display(self.text_html, self.text)

    def explanation_display(self) -> Any:
        return display(self.explanation_html, self.explanation)

    def options_display(self) -> list[dict[str, Any]]:
        """The options with ``content``, each as a page shows it."""
        return [
            {**option, "content": inline(str(option.get("html", "")), str(option["text"]))}
            for option in self.options
        ]

    def option_keys(self) -> list[str]:
        return [str(option["key"]) for option in self.options]
