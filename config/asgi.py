"""The web process: Django views, the JSON API and the Channels consumers."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
django_asgi_app = get_asgi_application()  # before importing consumers: it sets Django up

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from core.access_log import AccessLog  # noqa: E402
from core.admission import gate_from_settings  # noqa: E402
from core.websocket_origin import OriginValidator  # noqa: E402

# Daphne runs with --verbosity 0: this access log (scrubbed by core.log_scrub) replaces its own.
# It wraps the admission gate, so the 503s the gate answers are logged too.
application = AccessLog(
    ProtocolTypeRouter(
        {
            "http": gate_from_settings(django_asgi_app),
            "websocket": OriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        }
    )
)
