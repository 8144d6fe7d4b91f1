"""Technical support: the candidates' support chat (R-EXAM-11), make-up requests after an
abnormal exit (R-EMG-5), the device check before an exam (R-EXAM-10) and the staff screens of
support (attempt inspector, passcode delivery and re-issue)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Technical support")
