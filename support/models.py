from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import Role
from support.statuses import ConversationStatus, MakeupStatus


def is_support_staff(user: Any) -> bool:
    """Support is given by site administrators (for their site) and the evaluation organisation."""
    return bool(
        user.is_authenticated and user.is_active and user.has_role(Role.SITE_ADMIN, Role.ORG_ADMIN)
    )


def _site_scope(user: Any, site_field: str) -> Q | None:
    """``None``: everything (organisation); ``Q()`` with a false filter: nothing."""
    if user.has_role(Role.ORG_ADMIN):
        return None
    if user.role == Role.SITE_ADMIN and user.site_id:
        return Q(**{site_field: user.site_id})
    return Q(pk__in=[])


class ConversationQuerySet(models.QuerySet["Conversation"]):
    def visible_to(self, user: Any) -> ConversationQuerySet:
        """A candidate their own conversations; support staff those of their site (the
        organisation every one); anyone else none."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.CANDIDATE and not user.is_superuser:
            return self.filter(candidate__user=user)
        if not is_support_staff(user):
            return self.none()
        scope = _site_scope(user, "site_id")
        return self if scope is None else self.filter(scope)

    def open(self) -> ConversationQuerySet:
        return self.filter(status=ConversationStatus.OPEN)

    def with_unread(self) -> ConversationQuerySet:
        """Annotate ``unread``: the candidate's messages no member of staff has read yet."""
        return self.annotate(
            unread=models.Count(
                "messages",
                filter=Q(messages__from_staff=False)
                & Q(messages__id__gt=models.F("staff_read_upto")),
            )
        )


class Conversation(models.Model):
    """A candidate's support chat (R-EXAM-11), answered by the support staff of their site.

    ``*_read_upto`` hold the id of the last message the other side has read, for unread counts.
    """

    candidate = models.ForeignKey(
        "candidates.Candidate",
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="support_conversations",
    )
    # The site whose support staff answer; fixed when the conversation starts.
    site = models.ForeignKey(
        "centres.Site",
        verbose_name=_("exam site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ConversationStatus.choices,
        default=ConversationStatus.OPEN,
        db_index=True,
    )
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    last_message_at = models.DateTimeField(_("last message at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    staff_read_upto = models.PositiveBigIntegerField(default=0)
    candidate_read_upto = models.PositiveBigIntegerField(default=0)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            # One open conversation per candidate: every tab and page joins the same one.
            models.UniqueConstraint(
                fields=["candidate"],
                condition=Q(status=ConversationStatus.OPEN),
                name="one_open_conversation_per_candidate",
            )
        ]
        verbose_name = _("support conversation")
        verbose_name_plural = _("support conversations")

    def __str__(self) -> str:
        return f"{self.candidate} {self.created_at:%Y-%m-%d %H:%M}"


class Message(models.Model):
    """One chat message, stored before anyone is told about it.

    .. pii: ``body`` may hold whatever the candidate wrote (names, numbers); removed with the
       conversation ``SUPPORT_CHAT_RETENTION_DAYS`` after it was closed
       (``support.purge_old_records``).
    """

    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_staff = models.BooleanField(_("from support"))
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        ordering = ["conversation", "id"]
        verbose_name = _("support message")
        verbose_name_plural = _("support messages")

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.pk}"


def screenshot_path(request: MakeupRequest, filename: str) -> str:
    # Named by a random token, never by the candidate: storage listings must not leak identities.
    import secrets

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"support/makeup/{secrets.token_hex(16)}.{extension}"


class MakeupRequestQuerySet(models.QuerySet["MakeupRequest"]):
    def visible_to(self, user: Any) -> MakeupRequestQuerySet:
        """A candidate their own requests; support staff those of registrations at their site."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.CANDIDATE and not user.is_superuser:
            return self.filter(registration__candidate__user=user)
        if not is_support_staff(user):
            return self.none()
        scope = _site_scope(user, "registration__room__site_id")
        return self if scope is None else self.filter(scope)

    def pending(self) -> MakeupRequestQuerySet:
        return self.filter(status=MakeupStatus.PENDING)


class MakeupRequest(models.Model):
    """A candidate's request for a make-up attempt after an abnormal exit (R-EMG-5): the
    explanation and a screenshot, and the staff's decision with its reason.

    .. pii: ``screenshot`` may show the candidate's screen and ``explanation`` their words; the
       screenshot file is deleted ``SUPPORT_MAKEUP_RETENTION_DAYS`` after the decision
       (``support.purge_old_records``), the row stays as the record of the decision.
    """

    registration = models.ForeignKey(
        "exams.Registration",
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="makeup_requests",
    )
    attempt = models.ForeignKey(
        "exams.Attempt",
        verbose_name=_("attempt"),
        on_delete=models.CASCADE,
        related_name="makeup_requests",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MakeupStatus.choices,
        default=MakeupStatus.PENDING,
        db_index=True,
    )
    explanation = models.TextField(_("what happened"))
    screenshot = models.FileField(_("screenshot"), upload_to=screenshot_path, blank=True)
    created_at = models.DateTimeField(
        pgettext_lazy("a report or a request, not an exam paper", "submitted at"),
        default=timezone.now,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_reason = models.TextField(_("reason of the decision"), blank=True)

    objects = MakeupRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One request under review per attempt: a double click files one request.
            models.UniqueConstraint(
                fields=["attempt"],
                condition=Q(status=MakeupStatus.PENDING),
                name="one_pending_makeup_request_per_attempt",
            )
        ]
        verbose_name = _("make-up request")
        verbose_name_plural = _("make-up requests")

    def __str__(self) -> str:
        return f"{self.registration} ({self.status})"


class DeviceCheckQuerySet(models.QuerySet["DeviceCheck"]):
    def visible_to(self, user: Any) -> DeviceCheckQuerySet:
        if not is_support_staff(user):
            return self.none()
        if user.has_role(Role.ORG_ADMIN):
            return self
        return self.filter(
            Q(candidate__site_id=user.site_id)
            | Q(candidate__registrations__room__site_id=user.site_id)
        ).distinct()


class DeviceCheck(models.Model):
    """What a candidate's device check found before the exam (R-EXAM-10), for support to see.

    .. pii: ``user_agent`` and ``ip`` describe the candidate's computer and connection; removed
       ``SUPPORT_DEVICE_CHECK_RETENTION_DAYS`` after the check (``support.purge_old_records``).
    """

    class Result(models.TextChoices):
        OK = "ok", _("Works")
        FAILED = "failed", _("Does not work")
        SKIPPED = "skipped", _("Not checked")

    candidate = models.ForeignKey(
        "candidates.Candidate",
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="device_checks",
    )
    created_at = models.DateTimeField(_("checked at"), default=timezone.now, db_index=True)
    user_agent = models.CharField(_("browser identification"), max_length=400, blank=True)
    browser = models.CharField(_("browser"), max_length=60, blank=True)
    os = models.CharField(_("operating system"), max_length=60, blank=True)
    browser_ok = models.BooleanField(_("browser supported"))
    camera = models.CharField(_("camera"), max_length=10, choices=Result.choices)
    microphone = models.CharField(_("microphone"), max_length=10, choices=Result.choices)
    # Measured in the browser: bytes sent to the server divided by the time taken, in MB/s.
    upload_mb_per_s = models.FloatField(_("upload speed (MB/s)"), null=True, blank=True)
    passed = models.BooleanField(_("passed"))
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)

    objects = DeviceCheckQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("device check")
        verbose_name_plural = _("device checks")

    def __str__(self) -> str:
        return f"{self.candidate} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def upload_ok(self) -> bool:
        return (
            self.upload_mb_per_s is not None
            and self.upload_mb_per_s >= settings.SUPPORT_MIN_UPLOAD_MB_PER_S
        )
