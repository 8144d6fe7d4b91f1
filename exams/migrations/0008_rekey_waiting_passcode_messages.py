from django.db import migrations
from django.utils import timezone

from exams import passcodes

WAITING_PURPOSES = ("exam.passcode", "exam.passcode_reissue")


def rekey_waiting_messages(apps, schema_editor):
    """A passcode SMS not sent yet carries the exam's shared passcode, which stops working with
    0009: it gets the registration's own new passcode instead. Messages already sent are left
    as they are (their passcode is gone); those candidates get one when the SMS is scheduled
    again or support re-issues it."""
    Delivery = apps.get_model("notifications", "Delivery")
    Registration = apps.get_model("exams", "Registration")
    label = "exams.registration:"
    waiting = Delivery.objects.filter(
        purpose__in=WAITING_PURPOSES, status="queued", about__startswith=label
    )
    now = timezone.now()
    for delivery in waiting.iterator():
        registration = (
            Registration.objects.select_related("exam")
            .filter(pk=int(delivery.about[len(label) :] or 0))
            .first()
        )
        shared = registration.exam.passcode if registration is not None else ""
        if not shared or shared not in delivery.body:
            continue
        new = passcodes.generate()
        Registration.objects.filter(pk=registration.pk).update(
            passcode_hash=passcodes.make_hash(new), passcode_issued_at=now
        )
        Delivery.objects.filter(pk=delivery.pk).update(body=delivery.body.replace(shared, new))


class Migration(migrations.Migration):
    dependencies = [
        ("exams", "0007_registration_passcodes_and_attempt_sessions"),
        ("notifications", "0002_delivery_subject_label"),
    ]

    operations = [migrations.RunPython(rekey_waiting_messages, migrations.RunPython.noop)]
