"""The candidate's institution, certificate and major now point at ``reference`` (state only:
the referenced tables did not change, so neither do the columns and constraints)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0002_candidate_add_institution_verification_photo"),
        ("reference", "0001_move_reference_models_from_certification"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="candidate",
                    name="certificate",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="reference.certificate",
                        verbose_name="certificate",
                    ),
                ),
                migrations.AlterField(
                    model_name="candidate",
                    name="institution",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="candidates",
                        to="reference.institution",
                        verbose_name="institution",
                    ),
                ),
                migrations.AlterField(
                    model_name="candidate",
                    name="major",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="reference.major",
                        verbose_name="major",
                    ),
                ),
            ],
        ),
    ]
