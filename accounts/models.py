from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class User(AbstractUser):
    """Everyone who signs in. Candidates sign in with an ID number and an exam passcode and have
    no usable password; staff sign in with a username and a password.

    .. pii: ``first_name``, ``last_name``, ``email``, ``phone`` and ``username`` identify a
       person.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CANDIDATE)
    # The exam site a site administrator or proctor works for; empty for organisation-wide roles.
    site = models.ForeignKey(
        "centres.Site",
        verbose_name=_("exam site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    # Where invitation and password links are sent (by SMS; e-mail when there is no phone).
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    failed_logins = models.PositiveSmallIntegerField(_("failed sign-ins in a row"), default=0)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    def has_role(self, *roles: Any) -> bool:
        """Whether the user acts in one of ``roles``; superusers act in every role."""
        return self.is_superuser or self.role in roles

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.get_username()
