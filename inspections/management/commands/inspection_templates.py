"""List the checklist templates with their sections and items (R-INSP-1)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from inspections.models import ChecklistTemplate


def as_data() -> list[dict[str, Any]]:
    templates = ChecklistTemplate.objects.prefetch_related("sections__items")
    return [
        {
            "code": template.code,
            "name": template.name,
            "unit_kind": template.unit_kind,
            "active": template.is_active,
            "report_due": {
                "weekday": template.report_weekday,
                "time": template.report_time.strftime("%H:%M"),
            },
            "sections": [
                {
                    "title": section.title,
                    "items": [
                        {"text": item.text, "due": item.due, "department": item.department}
                        for item in section.items.all()
                    ],
                }
                for section in template.sections.all()
            ],
        }
        for template in templates
    ]


class Command(BaseCommand):
    help = "List checklist templates with their sections and items (text, due, department)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        data = as_data()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        for template in data:
            items = sum(len(s["items"]) for s in template["sections"])
            self.stdout.write(f"{template['code']}  {template['name']}  ({items} items)")
            for section in template["sections"]:
                self.stdout.write(f"  {section['title']}  ({len(section['items'])})")
                for item in section["items"]:
                    first = item["text"].split("\n", 1)[0]
                    self.stdout.write(f"    - {first}  [{item['due']}] {item['department']}")
