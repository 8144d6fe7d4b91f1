"""Existing rows that name the moved models by app label follow them to ``reference``.

- Content types (and so the permissions hanging off them) are renamed rather than left behind,
  so ``post_migrate`` does not create second ones with fresh permission ids.
- Audit entries store their target as ``app_label.model``; entries written before the move say
  ``certification.institution`` and would no longer resolve to a model.

On a fresh database both updates touch no row."""

from typing import Any

from django.db import migrations

MOVED = ("organisation", "institution", "major", "certificate")


def _relabel(apps: Any, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        # A content type already made under the new label (a ``migrate`` run that stopped in
        # between) wins; the old one is then left as Django leaves any stale type.
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)
    entry = apps.get_model("audit", "AuditEntry")
    for model in MOVED:
        entry.objects.filter(target_type=f"{old}.{model}").update(target_type=f"{new}.{model}")


def forwards(apps: Any, schema_editor: Any) -> None:
    _relabel(apps, "certification", "reference")


def backwards(apps: Any, schema_editor: Any) -> None:
    _relabel(apps, "reference", "certification")


class Migration(migrations.Migration):
    dependencies = [
        ("reference", "0001_move_reference_models_from_certification"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
