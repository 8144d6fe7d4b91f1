# Recordings of both views (R-PROC-6): segments uploaded by the candidate's browsers.

import django.db.models.deletion
from django.db import migrations, models

import proctoring.models


class Migration(migrations.Migration):
    dependencies = [
        ("exams", "0001_initial"),
        ("proctoring", "0001_alerts_and_rules"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecordingSegment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("view", models.PositiveSmallIntegerField(verbose_name="view")),
                ("seq", models.PositiveIntegerField(verbose_name="sequence number")),
                ("client_id", models.CharField(max_length=40, verbose_name="client segment id")),
                ("started_at", models.DateTimeField(verbose_name="started at")),
                ("duration_ms", models.PositiveIntegerField(verbose_name="duration (ms)")),
                ("size", models.PositiveIntegerField(verbose_name="size (bytes)")),
                (
                    "file",
                    models.FileField(
                        max_length=200,
                        upload_to=proctoring.models._recording_path,
                        verbose_name="file",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="received at"
                    ),
                ),
                (
                    "attempt",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recording_segments",
                        to="exams.attempt",
                        verbose_name="attempt",
                    ),
                ),
            ],
            options={
                "verbose_name": "recording segment",
                "verbose_name_plural": "recording segments",
                "ordering": ["view", "started_at", "seq"],
                "indexes": [
                    models.Index(
                        fields=["attempt", "view", "started_at"],
                        name="recording_segment_timeline",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("attempt", "view", "seq"), name="one_recording_segment_per_seq"
                    )
                ],
            },
        ),
    ]
