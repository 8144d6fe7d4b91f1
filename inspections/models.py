"""Exam-security inspection (R-INSP): units, checklists, weekly self-inspection reports,
inspection teams, findings and their rectification.

Who reports to whom follows the notice (seeds/02): a university reports to its district's exam
office (``Unit.parent``), a district to the city exam centre. The city exam centre is not a
unit: organisation administrators and superusers act as the centre and see every unit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import Role
from inspections.statuses import IN_HAND, UNRESOLVED, RectificationStatus


class UnitKind(models.TextChoices):
    UNIVERSITY = "university", _("University")
    DISTRICT = "district", _("District exam office")


class UnitQuerySet(models.QuerySet["Unit"]):
    def _with_children(self, ids: Any) -> UnitQuerySet:
        return self.filter(Q(pk__in=ids) | Q(parent_id__in=ids))

    def visible_to(self, user: Any) -> UnitQuerySet:
        """Units whose reports and findings ``user`` may read: the centre (organisation
        administrators, superusers) every unit; an inspector the units assigned to their teams
        and the universities of assigned districts; unit staff their own units and, for a
        district, its universities (the level above sees their late and missing reports)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_role(Role.ORG_ADMIN):
            return self.all()
        if user.role == Role.INSPECTOR:
            teams = InspectionTeam.objects.of_inspector(user)
            return self._with_children(teams.values("units"))
        if user.role == Role.UNIT_STAFF:
            return self._with_children(UnitMembership.objects.filter(user=user).values("unit"))
        return self.none()

    def staffed_by(self, user: Any) -> UnitQuerySet:
        """Units ``user`` answers the checklist for (their own units only)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(memberships__user=user)

    def inspectable_by(self, user: Any) -> UnitQuerySet:
        """Units ``user`` may record findings for and whose rectification they review: the
        centre every unit, an inspector their teams' units, a district office its universities."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_role(Role.ORG_ADMIN):
            return self.all()
        if user.role == Role.INSPECTOR:
            return self.visible_to(user)
        if user.role == Role.UNIT_STAFF:
            return self.filter(
                parent__in=UnitMembership.objects.filter(
                    user=user, unit__kind=UnitKind.DISTRICT
                ).values("unit")
            )
        return self.none()


class Unit(models.Model):
    """A university or a district exam office that checks itself against a checklist."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=UnitKind.choices)
    # The level a university reports to: its district's exam office. Districts report to the
    # city exam centre, which is not a unit (see the module docstring).
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to={"kind": UnitKind.DISTRICT},
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("inspected unit")
        verbose_name_plural = _("inspected units")

    def __str__(self) -> str:
        return self.name


class UnitMembership(models.Model):
    """A member of staff of a unit (role ``unit_staff``): answers its checklist and owns its
    rectification items; staff of a district also supervise its universities.

    .. pii: links a person to an employer; kept while the person works for the unit, deleted
       with the account or by the administrator when they leave.
    """

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="unit_memberships",
        limit_choices_to={"role": Role.UNIT_STAFF},
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="one_membership")]
        verbose_name = _("unit membership")
        verbose_name_plural = _("unit memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ChecklistTemplateQuerySet(models.QuerySet["ChecklistTemplate"]):
    def active(self) -> ChecklistTemplateQuerySet:
        return self.filter(is_active=True)

    def for_unit(self, unit: Unit) -> ChecklistTemplateQuerySet:
        return self.active().filter(unit_kind=unit.kind)

    def editable_by(self, user: Any) -> ChecklistTemplateQuerySet:
        """Templates ``user`` may create, edit, copy and retire: the city exam centre
        (organisation administrators, superusers) all of them, everyone else none."""
        if not user.is_authenticated or not user.is_active or not user.has_role(Role.ORG_ADMIN):
            return self.none()
        return self.all()


class ChecklistTemplate(models.Model):
    """A checklist (督查表) for one kind of unit, and when its weekly report is due."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit_kind = models.CharField(_("for units of kind"), max_length=12, choices=UnitKind.choices)
    # The notice: universities report by Thursday 17:00, districts by Friday 17:00, weekly.
    report_weekday = models.PositiveSmallIntegerField(
        _("weekly report due on"), choices=Weekday.choices
    )
    report_time = models.TimeField(_("weekly report due at"))
    is_active = models.BooleanField(_("in use"), default=True)

    objects = ChecklistTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")

    def __str__(self) -> str:
        return self.name


class ChecklistSection(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("checklist template"),
        on_delete=models.CASCADE,
        related_name="sections",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=100)

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="section_position")
        ]
        verbose_name = _("checklist section")
        verbose_name_plural = _("checklist sections")

    def __str__(self) -> str:
        return self.title


class ChecklistItem(models.Model):
    section = models.ForeignKey(
        ChecklistSection,
        verbose_name=_("section"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.TextField(_("text"))
    # As the notice states it ("4 月中旬", "即日起至考试结束"): periods, not dates.
    due = models.CharField(_("due"), max_length=50, blank=True)
    # A calendar date, when the centre sets one for an item it adds (optional, validated).
    due_date = models.DateField(_("due date"), null=True, blank=True)
    department = models.CharField(_("responsible department"), max_length=100, blank=True)

    class Meta:
        ordering = ["section__template", "section__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["section", "position"], name="item_position")
        ]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.text.split("\n", 1)[0]


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class ReportQuerySet(models.QuerySet["SelfInspectionReport"]):
    def visible_to(self, user: Any) -> ReportQuerySet:
        return self.filter(unit__in=Unit.objects.visible_to(user))


class SelfInspectionReport(models.Model):
    """One unit's answers to one checklist for one week (R-INSP-2). A draft until submitted;
    submitted once, by ``deadline`` to be on time."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="reports"
    )
    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("checklist template"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    week = models.DateField(_("week starting"))  # a Monday
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    submitted_at = models.DateTimeField(
        pgettext_lazy("a report or a request, not an exam paper", "submitted at"),
        null=True,
        blank=True,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-week", "unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "template", "week"], name="one_report_per_unit_week"
            )
        ]
        verbose_name = _("self-inspection report")
        verbose_name_plural = _("self-inspection reports")

    def __str__(self) -> str:
        return f"{self.unit} {self.week:%Y-%m-%d}"

    @property
    def is_late(self) -> bool:
        return self.submitted_at is not None and self.submitted_at > self.deadline


class AnswerResult(models.TextChoices):
    DONE = "done", _("Done")
    NOT_DONE = "not_done", _("Not done")
    NOT_APPLICABLE = "na", _("Not applicable")


class ReportAnswer(models.Model):
    report = models.ForeignKey(
        SelfInspectionReport,
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="answers"
    )
    result = models.CharField(_("result"), max_length=10, choices=AnswerResult.choices)
    note = models.TextField(_("note"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), auto_now=True)

    class Meta:
        ordering = ["item"]
        constraints = [
            models.UniqueConstraint(fields=["report", "item"], name="one_answer_per_item")
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.item}: {self.result}"


class InspectionTeamQuerySet(models.QuerySet["InspectionTeam"]):
    def of_inspector(self, user: Any) -> InspectionTeamQuerySet:
        return self.filter(Q(leader=user) | Q(members=user)).distinct()


class InspectionTeam(models.Model):
    """An inspection team (督查组) with a leader and members, assigned districts and units
    (annex 3 of the notice). Its inspectors see the assigned units and their universities."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        on_delete=models.PROTECT,
        related_name="led_inspection_teams",
        limit_choices_to={"role": Role.INSPECTOR},
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        blank=True,
        related_name="inspection_teams",
        limit_choices_to={"role": Role.INSPECTOR},
    )
    units = models.ManyToManyField(
        Unit, verbose_name=_("assigned units"), blank=True, related_name="teams"
    )

    objects = InspectionTeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("inspection team")
        verbose_name_plural = _("inspection teams")

    def __str__(self) -> str:
        return self.name


class Finding(models.Model):
    """A problem an inspector found at a unit, against one checklist item (R-INSP-3)."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="findings"
    )
    item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("checklist item"),
        on_delete=models.PROTECT,
        related_name="findings",
    )
    description = models.TextField(_("what was found"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.unit}: {self.description[:40]}"


class RectificationQuerySet(models.QuerySet["Rectification"]):
    def visible_to(self, user: Any) -> RectificationQuerySet:
        return self.filter(
            Q(finding__unit__in=Unit.objects.visible_to(user)) | Q(owner_id=user.pk)
        ).distinct()

    def unresolved(self) -> RectificationQuerySet:
        return self.filter(status__in=UNRESOLVED)

    def overdue(self, now: Any) -> RectificationQuerySet:
        """Items whose owner still has work to do after the deadline."""
        return self.filter(status__in=IN_HAND, deadline__lt=now)


class Rectification(models.Model):
    """What a finding obliges its unit to do, by when, and how far it got (R-INSP-4)."""

    finding = models.OneToOneField(
        Finding,
        verbose_name=_("finding"),
        on_delete=models.CASCADE,
        related_name="rectification",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["status", "deadline"])]
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")

    def __str__(self) -> str:
        return str(self.finding)


class RectificationUpdate(models.Model):
    """One entry of a rectification's history: progress, a report of completion, acceptance
    or reopening, with a note and evidence."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("Progress")
        SUBMITTED = "submitted", _("Reported fixed")
        ACCEPTED = "accepted", _("Accepted")
        REOPENED = "reopened", _("Reopened")

    rectification = models.ForeignKey(
        Rectification,
        verbose_name=_("rectification item"),
        on_delete=models.CASCADE,
        related_name="updates",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("rectification update")
        verbose_name_plural = _("rectification updates")

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d}"


class Escalation(models.Model):
    """An overdue rectification item reported to the level above. One per item and deadline:
    a reopened item with a new deadline can be escalated again, the same lapse never twice."""

    rectification = models.ForeignKey(
        Rectification,
        verbose_name=_("rectification item"),
        on_delete=models.CASCADE,
        related_name="escalations",
    )
    deadline = models.DateTimeField(_("deadline missed"))
    escalated_at = models.DateTimeField(_("escalated at"), auto_now_add=True)
    recipients = models.PositiveSmallIntegerField(_("people notified"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rectification", "deadline"], name="one_escalation_per_deadline"
            )
        ]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"{self.rectification_id} @ {self.deadline:%Y-%m-%d %H:%M}"


class Evidence(models.Model):
    """A file or photo attached to an answer, a finding or a rectification update.

    .. pii: photos may show people at the exam site; kept with the inspection record they
       belong to and deleted with it (the record is an official file of the exam year).
    """

    file = models.FileField(_("file"), upload_to="inspections/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=60)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    answer = models.ForeignKey(
        ReportAnswer, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    update = models.ForeignKey(
        RectificationUpdate,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="evidence_belongs_to_one_record",
                condition=(
                    Q(answer__isnull=False, finding__isnull=True, update__isnull=True)
                    | Q(answer__isnull=True, finding__isnull=False, update__isnull=True)
                    | Q(answer__isnull=True, finding__isnull=True, update__isnull=False)
                ),
            )
        ]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
