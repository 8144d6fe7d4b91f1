"""``manage.py import_candidates FILE [--photos ZIP] --institution CODE [--dry-run] [--json]``
and ``manage.py import_candidates --template OUT.xlsx`` (R-CERT-2, for operators)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candidates import imports
from reference.models import Institution


class Command(BaseCommand):
    help = "Import candidate records from the xlsx template; exit status 1 when a row is bad."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the filled-in xlsx template")
        parser.add_argument("--photos", help="zip of photos named by ID number")
        parser.add_argument("--institution", help="code of the pilot institution")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--valid-only", action="store_true", help="import the good rows even if some are bad"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--template", metavar="OUT", help="write the empty template to OUT")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["template"]:
            Path(options["template"]).write_bytes(imports.template_workbook())
            self.stdout.write(f"template written to {options['template']}")
            return
        if not options["file"] or not options["institution"]:
            raise CommandError("give FILE and --institution CODE (or --template OUT)")
        institution = Institution.objects.filter(code=options["institution"]).first()
        if institution is None:
            raise CommandError(f"no institution has the code {options['institution']!r}")
        try:
            data = Path(options["file"]).read_bytes()
            photos = Path(options["photos"]).read_bytes() if options["photos"] else None
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            report = imports.import_candidates(
                data,
                institution,
                photos_zip=photos,
                valid_only=options["valid_only"],
                dry_run=options["dry_run"],
            )
        except imports.ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            for problem in report.problems:
                row = problem.row if problem.row is not None else "-"
                column = imports.column_label(problem.column)
                self.stdout.write(f"row {row}\t{column}\t{problem.code}\t{problem.message}")
            self.stdout.write(
                f"{report.rows} rows, {report.valid} valid, {report.imported} imported, "
                f"{report.photos} photos, {len(report.cleaned)} cells cleaned"
                + (" (dry run)" if report.dry_run else "")
            )
        if report.problems:
            raise SystemExit(1)
