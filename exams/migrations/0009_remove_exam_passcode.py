from django.db import migrations


class Migration(migrations.Migration):
    """The one passcode per exam, sent to every candidate, is gone (see 0007)."""

    dependencies = [
        ("exams", "0008_rekey_waiting_passcode_messages"),
    ]

    operations = [
        migrations.RemoveField(model_name="exam", name="passcode"),
    ]
