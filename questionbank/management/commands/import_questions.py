"""``manage.py import_questions FILE --subject CODE [--dry-run] [--json]``: import a question
template (.xlsx), a Moodle XML file or a GIFT file (told by its content) into a subject's bank,
all or nothing. Exits with status 1
when anything in the file is wrong (nothing is imported then), 0 otherwise."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questionbank.importing import import_file
from questionbank.models import Subject
from questionbank.reports import Report


class Command(BaseCommand):
    help = "Import questions from the xlsx template, Moodle XML or GIFT into a subject's bank."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--subject", required=True, help="the subject's code")
        parser.add_argument("--dry-run", action="store_true", help="check the file, write nothing")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            subject = Subject.objects.get(code=options["subject"])
        except Subject.DoesNotExist:
            raise CommandError(f"No subject has the code {options['subject']!r}.") from None
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        report = import_file(subject, data, path.name, dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self._print(report)
        if not report.ok:
            sys.exit(1)

    def _print(self, report: Report) -> None:
        for issue in report.issues:
            self.stderr.write(f"{issue.position}: {issue.message}")
        counts = ", ".join(f"{kind} {n}" for kind, n in report.counts().items() if n)
        if not report.ok:
            self.stderr.write(f"{len(report.issues)} problem(s); nothing was imported.")
        elif report.dry_run:
            self.stdout.write(f"{len(report.drafts)} question(s) ready to import ({counts}).")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {report.imported} ({counts})."))
