"""Organisation, Institution, Major and Certificate move here from ``certification``.

State only: the tables keep their ``certification_*`` names (``Meta.db_table``), so this
migration creates nothing in the database. ``certification`` drops the models from its state
in its own 0005 after every foreign key has been re-pointed here."""

import django.db.models.deletion
from django.db import migrations, models

MAJOR_CODE_LISTS = [("old", "Old major codes"), ("new", "New major codes (2021 catalogue)")]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("certification", "0004_scores_and_issued_certificates"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Institution",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.CharField(max_length=32, unique=True, verbose_name="code")),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                        (
                            "province",
                            models.CharField(blank=True, max_length=40, verbose_name="province"),
                        ),
                    ],
                    options={
                        "verbose_name": "pilot institution",
                        "verbose_name_plural": "pilot institutions",
                        "db_table": "certification_institution",
                        "ordering": ["code"],
                    },
                ),
                migrations.CreateModel(
                    name="Organisation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.CharField(max_length=32, unique=True, verbose_name="code")),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                        (
                            "major_code_list",
                            models.CharField(
                                choices=MAJOR_CODE_LISTS,
                                default="new",
                                max_length=8,
                                verbose_name="major code list in use",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "evaluation organisation",
                        "verbose_name_plural": "evaluation organisations",
                        "db_table": "certification_organisation",
                        "ordering": ["code"],
                    },
                ),
                migrations.CreateModel(
                    name="Major",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "code_list",
                            models.CharField(
                                choices=MAJOR_CODE_LISTS, max_length=8, verbose_name="code list"
                            ),
                        ),
                        ("code", models.CharField(max_length=16, verbose_name="code")),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                    ],
                    options={
                        "verbose_name": "major",
                        "verbose_name_plural": "majors",
                        "db_table": "certification_major",
                        "ordering": ["code_list", "code"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("code_list", "code"), name="major_code_per_list"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Certificate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.CharField(max_length=32, unique=True, verbose_name="code")),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                        ("level", models.CharField(blank=True, max_length=20, verbose_name="level")),
                        (
                            # The through table's name follows the model's db_table, so it stays
                            # certification_certificate_majors.
                            "majors",
                            models.ManyToManyField(
                                blank=True,
                                related_name="certificates",
                                to="reference.major",
                                verbose_name="majors in scope",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="certificates",
                                to="reference.organisation",
                                verbose_name="evaluation organisation",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "certificate",
                        "verbose_name_plural": "certificates",
                        "db_table": "certification_certificate",
                        "ordering": ["code"],
                    },
                ),
            ],
        ),
    ]
