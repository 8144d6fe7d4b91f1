"""The web process never loads aiortc or PyAV: the media process's modules live in
``proctoring.media``, a package whose ``__init__`` imports nothing, and the web process reaches
them only through the media process's URL and the channel layer."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

# A fresh interpreter: this test process has long imported aiortc for the media tests.
WEB_PROCESS = """
import sys
import config.asgi
from django.urls import get_resolver
get_resolver().url_patterns  # every view module of the web process
import proctoring.media
print(sorted(name for name in ("aiortc", "av") if name in sys.modules))
"""


def test_the_web_process_imports_neither_aiortc_nor_av() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", WEB_PROCESS],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
