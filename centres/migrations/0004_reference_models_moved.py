"""A site's institution now points at ``reference.Institution`` (state only: the table it
references kept its name)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("centres", "0003_site_add_status_and_staff_members"),
        ("reference", "0001_move_reference_models_from_certification"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="site",
                    name="institution",
                    field=models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="site",
                        to="reference.institution",
                        verbose_name="institution",
                    ),
                ),
            ],
        ),
    ]
