"""Organisation, Institution, Major and Certificate now live in ``reference``: quotas and exam
plans point there, and this app forgets the four models. State only; the tables stay as they
are (``reference`` keeps their ``certification_*`` names)."""

import django.db.models.deletion
from django.db import migrations, models


def _fk(to: str, related_name: str, verbose_name: str, on_delete=django.db.models.deletion.PROTECT):
    return models.ForeignKey(
        on_delete=on_delete, related_name=related_name, to=to, verbose_name=verbose_name
    )


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0004_scores_and_issued_certificates"),
        ("reference", "0001_move_reference_models_from_certification"),
        # The models may leave this app's state only once nothing else points at them.
        ("candidates", "0003_reference_models_moved"),
        ("centres", "0004_reference_models_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="quota",
                    name="certificate",
                    field=_fk("reference.certificate", "+", "certificate"),
                ),
                migrations.AlterField(
                    model_name="quota",
                    name="institution",
                    field=_fk(
                        "reference.institution",
                        "quotas",
                        "institution",
                        on_delete=django.db.models.deletion.CASCADE,
                    ),
                ),
                migrations.AlterField(
                    model_name="quota",
                    name="major",
                    field=_fk("reference.major", "+", "major"),
                ),
                migrations.AlterField(
                    model_name="examplan",
                    name="certificate",
                    field=_fk("reference.certificate", "plans", "certificate"),
                ),
                migrations.AlterField(
                    model_name="examplan",
                    name="organisation",
                    field=_fk("reference.organisation", "plans", "evaluation organisation"),
                ),
                migrations.DeleteModel(name="Certificate"),
                migrations.DeleteModel(name="Major"),
                migrations.DeleteModel(name="Organisation"),
                migrations.DeleteModel(name="Institution"),
            ],
        ),
    ]
