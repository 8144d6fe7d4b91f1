"""Reference data every domain app shares: evaluation organisations, pilot institutions, majors
and certificates. A ground-floor app: it imports no domain app, so candidates, centres and
certification can all point at it without importing each other."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferenceConfig(AppConfig):
    name = "reference"
    verbose_name = _("Reference data")
