"""Production's static files storage (core/staticfiles.py) rewrites the relative imports of the
ES modules in static/js to the hashed names it writes, so a page that loads an entry module by
its hashed name gets the hashed copy of every module it imports: one instance of each module
per page (one socket, one recorder), all with long cache lifetimes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings

PRODUCTION_STORAGE = "core.staticfiles.ModuleManifestStaticFilesStorage"
# The module named after ``from``: on the import's last line, so an import of several names
# over several lines is found too (an anchored one-line pattern would let it pass unchecked).
IMPORT = re.compile(r"""\bfrom "(\./[\w.]+\.js)";""")


def test_collectstatic_rewrites_module_imports_to_hashed_names(tmp_path: Path) -> None:
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": PRODUCTION_STORAGE},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages, WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", interactive=False, verbosity=0)
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]

    view1 = (tmp_path / paths["js/view1.js"]).read_text()
    imported = IMPORT.findall(view1)
    # view1.js imports its four modules; each import now names the hashed file the manifest
    # maps the plain name to, so it is the very file {% static %} gives the pages.
    assert len(imported) == 4, imported
    for name in ("attempt_channel", "ice_config", "live_socket", "recorder"):
        assert f"./{Path(paths[f'js/{name}.js']).name}" in imported, (name, imported)
    # Nested imports too: focus.js (imported by proctor_room.js) imports live_socket.js.
    room = (tmp_path / paths["js/proctor_room.js"]).read_text()
    assert f'from "./{Path(paths["js/focus.js"]).name}";' in room
    focus = (tmp_path / paths["js/focus.js"]).read_text()
    assert f'from "./{Path(paths["js/live_socket.js"]).name}";' in focus
    # No module left anywhere imports a plain (unhashed) name of ours.
    for name, hashed in paths.items():
        if name.startswith("js/") and name.endswith(".js"):
            for target in IMPORT.findall((tmp_path / hashed).read_text()):
                assert re.search(r"\.[0-9a-f]{12}\.js$", target), (name, target)
