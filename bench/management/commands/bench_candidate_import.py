"""Benchmark: check and import N candidate rows (default 10,000) from a generated xlsx and
print the timings as JSON. Runs inside a transaction that is rolled back unless ``--keep``,
so it can be pointed at a real database."""

from __future__ import annotations

import io
import json
import os
import platform
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from candidates import idnumber, imports
from candidates.imports import COLUMNS
from reference.models import Certificate, Institution, Major, MajorCodeList, Organisation


class Command(BaseCommand):
    help = "Measure the candidate import (R-CERT-2) on N generated rows; prints JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--keep", action="store_true", help="commit the imported rows")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = options["rows"]
        started = time.perf_counter()
        data = _workbook(rows)
        generated = time.perf_counter()
        with transaction.atomic():
            institution, _certificate = _fixtures()
            check_start = time.perf_counter()
            dry = imports.import_candidates(data, institution, dry_run=True)
            checked = time.perf_counter()
            report = imports.import_candidates(data, institution)
            imported = time.perf_counter()
            if not options["keep"]:
                transaction.set_rollback(True)
        assert dry.ok and report.imported == rows, report.problems[:5]
        self.stdout.write(
            json.dumps(
                {
                    "benchmark": "candidate_import",
                    "rows": rows,
                    "xlsx_bytes": len(data),
                    "generate_xlsx_s": round(generated - started, 3),
                    "check_only_s": round(checked - check_start, 3),
                    "check_and_import_s": round(imported - checked, 3),
                    "rows_per_s": round(rows / (imported - checked), 1),
                    "database": connection.vendor,
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "kept": options["keep"],
                }
            )
        )


def _fixtures() -> tuple[Institution, Certificate]:
    organisation, _ = Organisation.objects.get_or_create(
        code="BENCH", defaults={"name": "基准测试评价组织", "major_code_list": MajorCodeList.NEW}
    )
    institution, _ = Institution.objects.get_or_create(code="BENCH", defaults={"name": "基准学院"})
    major, _ = Major.objects.get_or_create(
        code_list=organisation.major_code_list, code="BENCH01", defaults={"name": "基准专业"}
    )
    certificate, _ = Certificate.objects.get_or_create(
        code="BENCH-CERT", defaults={"organisation": organisation, "name": "基准证书"}
    )
    certificate.majors.add(major)
    return institution, certificate


def _workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([c.header for c in COLUMNS])
    for i in range(rows):
        # Birth dates spread over 1990–2009 and sequence numbers keep every number unique.
        born = f"{1990 + i % 20}{1 + i % 12:02d}{1 + i % 28:02d}"
        first17 = f"91{(i // 1000) % 10000:04d}{born}{i % 1000:03d}"
        sheet.append(
            [
                f"考生{i}",
                first17 + idnumber.check_character(first17),
                f"139{i:08d}",
                "BENCH-CERT",
                "BENCH01",
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
