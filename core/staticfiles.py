"""The static files storage of production: hashed names (long cache lifetimes), compressed
copies (WhiteNoise), and the relative imports of the ES modules in ``static/js`` rewritten to
the hashed names.

The front end's modules import each other by relative path (``import { LiveSocket } from
"./live_socket.js"``). A page loads an entry module by its hashed name (``{% static %}``); an
import left unrewritten would load ``live_socket.js`` under its plain name, a second copy of the
module with its own state (two sockets, two recorders) and a short cache lifetime. Django's
manifest storage rewrites those imports only when ``support_js_module_import_aggregation`` is
on (off by default); tests/test_static_module_imports.py checks that it does.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ModuleManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
