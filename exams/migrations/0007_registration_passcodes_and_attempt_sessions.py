from django.db import migrations, models


class Migration(migrations.Migration):
    """Per-candidate passcodes (hashed, on the registration) and the browser session an
    attempt belongs to. Registrations start without a passcode: they get one when the SMS is
    scheduled or support re-issues it (0008 gives one to those whose SMS is still waiting)."""

    dependencies = [
        ("exams", "0006_exam_allows_self_enrolment"),
    ]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="session_seen_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="browser session last seen at"),
        ),
        migrations.AddField(
            model_name="attempt",
            name="session_token",
            field=models.CharField(blank=True, max_length=64, verbose_name="browser session"),
        ),
        migrations.AddField(
            model_name="registration",
            name="passcode_hash",
            field=models.CharField(blank=True, max_length=128, verbose_name="passcode hash"),
        ),
        migrations.AddField(
            model_name="registration",
            name="passcode_issued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="passcode issued at"),
        ),
    ]
