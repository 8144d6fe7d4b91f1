"""``manage.py export_questions --subject CODE [--format moodle|qti] [-o FILE]``: a subject's
active questions as Moodle XML (the default; to standard output without ``-o``) or as a QTI 3.0
content package (a zip, so ``-o`` is required). Fill-in questions with several blanks have no
Moodle XML counterpart; how many were left out is said on standard error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questionbank.export import moodle_xml, qti_package
from questionbank.models import Subject


class Command(BaseCommand):
    help = "Export a subject's active questions as Moodle XML or a QTI 3.0 content package."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--subject", required=True, help="the subject's code")
        parser.add_argument(
            "--format",
            choices=("moodle", "qti"),
            default="moodle",
            help="moodle (Moodle XML, the default) or qti (a QTI 3.0 content package zip)",
        )
        parser.add_argument("-o", "--output", type=Path, help="write to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            subject = Subject.objects.get(code=options["subject"])
        except Subject.DoesNotExist:
            raise CommandError(f"No subject has the code {options['subject']!r}.") from None
        if options["format"] == "qti":
            if not options["output"]:
                raise CommandError("A QTI package is a zip file: give it a name with -o FILE.")
            data, left_out = qti_package(subject)
        else:
            data, left_out = moodle_xml(subject)
        if options["output"]:
            options["output"].write_bytes(data)
        else:
            self.stdout.write(data.decode(), ending="")
        if left_out:
            self.stderr.write(f"{left_out} fill-in question(s) with several blanks left out.")
