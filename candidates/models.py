from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Candidate(models.Model):
    """A person who sits exams; signs in with ``id_number`` plus an exam passcode (R-EXAM-3).

    .. pii: ``id_number``, ``name`` and ``phone`` identify a person; kept while the candidate
       has exam records, removed with them.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.CASCADE,
        related_name="candidate",
    )
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    name = models.CharField(_("full name"), max_length=100)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    site = models.ForeignKey(
        "centres.Site", verbose_name=_("exam site"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id_number"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        """For screens that only need to tell candidates apart: 1101**********123X."""
        return f"{self.id_number[:4]}{'*' * 10}{self.id_number[-4:]}"
