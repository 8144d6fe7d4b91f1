"""System checks of the certificate signing key (certification.signing).

Key files that are named must hold a usable key and its certificate, wherever the check runs.
Missing files are an error only for a deployment check (``manage.py check --deploy``) of a
configuration that requires them: the media process, the vision workers and beat never sign,
and are not given the files.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


def _problem() -> str | None:
    from certification import signing

    try:
        signing.check_configuration()
    except (ImproperlyConfigured, ValueError, OSError) as exc:
        return str(exc)
    return None


@register()
def signing_key_given(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not (settings.CERT_SIGNING_KEY_FILE or settings.CERT_SIGNING_CERT_FILE):
        return []
    problem = _problem()
    return [Error(problem, id="certification.E001")] if problem else []


@register(Tags.security, deploy=True)
def signing_key_required(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.CERT_SIGNING_REQUIRED or settings.CERT_SIGNING_KEY_FILE:
        return []
    problem = _problem()
    return [Error(problem, id="certification.E001")] if problem else []
