"""Print the Config Key of an unencrypted Safe Exam Browser configuration file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from exams import seb_files


class Command(BaseCommand):
    help = (
        "Print the Config Key SEB derives from an unencrypted .seb file (the key its "
        "X-SafeExamBrowser-ConfigKeyHash header is computed from)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .seb file (plain or gzip-compressed plist)")
        parser.add_argument("--json", action="store_true", help='print {"config_key": "…"}')

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(reason)s.") % {"path": path, "reason": error.strerror}
            ) from error
        try:
            key = seb_files.config_key_of_file(raw)
        except seb_files.SebFileRefused as refused:
            raise CommandError(str(refused.message)) from refused
        if options["json"]:
            self.stdout.write(json.dumps({"config_key": key}))
        else:
            self.stdout.write(f"Config Key of {path.name}: {key}")
