"""Passcodes by SMS (R-EXAM-3): scheduled once per registered candidate however often staff
schedule, re-issued by support only to the registered phone after an identity check, rate
limited, audited, and shown in a delivery log per exam."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from candidates.models import Candidate
from exams import passcodes
from exams.models import Exam, Registration
from notifications import services as notifications
from notifications.models import Delivery
from tests.personas import FORMAL_PASSCODE, Personas

PASSCODE_IN_TEXT = re.compile(
    rf"(?<![A-Z0-9])[{passcodes.ALPHABET}]{{{passcodes.PASSCODE_LENGTH}}}(?![A-Z0-9])"
)


def passcode_in(text: str) -> str:
    """The passcode an SMS carries."""
    found = PASSCODE_IN_TEXT.findall(text)
    assert len(found) == 1, text
    return found[0]


def signs_in(personas: Personas, who: str, passcode: str) -> bool:
    response = Client().post(
        "/exam/sign-in/",
        {"id_number": getattr(personas, who).id_number, "passcode": passcode},
    )
    return response.status_code == 302


@pytest.fixture
def outbox(settings, tmp_path):
    settings.NOTIFICATION_SMS_GATEWAY = "notifications.gateways.FileGateway"
    settings.NOTIFICATION_OUTBOX = str(tmp_path / "outbox.jsonl")
    return tmp_path / "outbox.jsonl"


@pytest.fixture
def phones(personas: Personas) -> None:
    Candidate.objects.filter(pk=personas.carol.pk).update(phone="13800000001")
    Candidate.objects.filter(pk=personas.dave.pk).update(phone="13900000002")


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def registration(personas: Personas, who: str = "carol") -> Registration:
    return Registration.objects.get(exam=personas.formal, candidate=getattr(personas, who))


def test_the_default_send_time_is_six_in_the_evening_the_day_before(personas: Personas) -> None:
    exam = personas.formal
    local = timezone.localtime(passcodes.default_send_time(exam))
    assert (local.hour, local.minute) == (18, 0)
    assert local.date() == timezone.localtime(exam.opens_at).date() - dt.timedelta(days=1)


def test_scheduling_twice_sends_each_candidate_one_passcode_at_the_latest_time(
    personas: Personas, phones: None, outbox
) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(
        closes_at=timezone.now() + dt.timedelta(days=3)
    )
    personas.formal.refresh_from_db()
    later = timezone.now() + dt.timedelta(hours=2)
    first = passcodes.schedule(personas.formal, later, actor=personas.oscar)
    assert (first.queued, first.moved) == (2, 0)
    sooner = timezone.now() - dt.timedelta(seconds=1)
    second = passcodes.schedule(personas.formal, sooner, actor=personas.oscar)
    assert (second.queued, second.moved) == (0, 2)
    sms = Delivery.objects.filter(purpose="exam.passcode")
    assert sms.count() == 2
    assert {d.recipient for d in sms} == {"13800000001", "13900000002"}
    # Each candidate their own passcode, which opens their registration and nobody else's.
    sent = {d.recipient: passcode_in(d.body) for d in sms}
    assert sent["13800000001"] != sent["13900000002"]
    assert FORMAL_PASSCODE not in " ".join(d.body for d in sms)  # the old one stopped working
    assert signs_in(personas, "carol", sent["13800000001"])
    assert not signs_in(personas, "dave", sent["13800000001"])
    assert signs_in(personas, "dave", sent["13900000002"])
    assert not signs_in(personas, "carol", FORMAL_PASSCODE)

    for delivery_id in notifications.due_ids():
        notifications.send(delivery_id)
    assert len(outbox.read_text().splitlines()) == 2
    third = passcodes.schedule(personas.formal, later, actor=personas.oscar)
    assert (third.queued, third.moved, third.already_sent) == (0, 0, 2)
    assert Delivery.objects.filter(purpose="exam.passcode").count() == 2
    assert AuditEntry.objects.filter(action="exam.passcodes_scheduled").count() == 3


def test_a_site_administrator_schedules_their_sites_candidates_and_counts_those_without_phone(
    personas: Personas,
) -> None:
    Candidate.objects.filter(pk=personas.carol.pk).update(phone="13800000001")
    response = staff_client(personas.sam).post(
        f"/support/passcodes/{personas.formal.pk}/",
        {
            "send_at": timezone.localtime(timezone.now() + dt.timedelta(hours=1)).strftime(
                "%Y-%m-%dT%H:%M"
            )
        },
    )
    assert response.status_code == 302
    assert Delivery.objects.filter(purpose="exam.passcode").count() == 1
    entry = AuditEntry.objects.get(action="exam.passcodes_scheduled")
    assert (entry.data["queued"], entry.data["without_phone"]) == (1, 1)
    # Olga's site has no candidate in this exam: the exam is not hers to see.
    assert (
        staff_client(personas.olga).get(f"/support/passcodes/{personas.formal.pk}/").status_code
        == 404
    )


def test_a_time_after_the_exam_closes_is_refused(personas: Personas, phones: None) -> None:
    response = staff_client(personas.sam).post(
        f"/support/passcodes/{personas.formal.pk}/",
        {
            "send_at": timezone.localtime(
                personas.formal.closes_at + dt.timedelta(hours=1)
            ).strftime("%Y-%m-%dT%H:%M")
        },
    )
    assert response.status_code == 400
    assert not Delivery.objects.exists()


def test_support_reissues_to_the_registered_phone_after_two_identity_checks(
    personas: Personas, phones: None, outbox
) -> None:
    carol = registration(personas)
    sam = staff_client(personas.sam)
    page = sam.get(f"/support/passcodes/registrations/{carol.pk}/reissue/").content.decode()
    assert "138****0001" in page and "13800000001" not in page

    too_few = sam.post(
        f"/support/passcodes/registrations/{carol.pk}/reissue/", {"checks": ["name"]}
    )
    assert too_few.status_code == 400
    assert not Delivery.objects.exists()

    response = sam.post(
        f"/support/passcodes/registrations/{carol.pk}/reissue/",
        {
            "checks": ["id_number", "name"],
            "notes": "来电核对身份证号与姓名",
            "phone": "13000000000",
        },
    )
    assert response.status_code == 302
    delivery = Delivery.objects.get(purpose="exam.passcode_reissue")
    assert delivery.recipient == "13800000001"  # never a number the caller gives
    notifications.send(delivery.pk)  # what the worker does after the commit
    sent = json.loads(outbox.read_text().splitlines()[0])
    new = passcode_in(json.dumps(sent, ensure_ascii=False))
    # The new passcode works, the one in force before does not, and only a hash is kept.
    assert signs_in(personas, "carol", new)
    assert not signs_in(personas, "carol", FORMAL_PASSCODE)
    carol.refresh_from_db()
    assert new not in carol.passcode_hash and passcodes.check(new, carol.passcode_hash)
    entry = AuditEntry.objects.get(action="exam.passcode_reissued")
    assert entry.actor == personas.sam
    assert entry.data["checks"] == ["id_number", "name"]
    assert entry.data["notes"] == "来电核对身份证号与姓名"

    log = sam.get(f"/support/passcodes/{personas.formal.pk}/").content.decode()
    assert "Carol" in log and 'id="delivery-log"' in log


def test_reissues_are_rate_limited_per_candidate(personas: Personas, phones: None, outbox) -> None:
    carol = registration(personas)
    for _ in range(3):
        passcodes.reissue(carol, actor=personas.sam, checks=["id_number", "name"])
    with pytest.raises(passcodes.PasscodeRefused):
        passcodes.reissue(carol, actor=personas.sam, checks=["id_number", "name"])
    assert Delivery.objects.filter(purpose="exam.passcode_reissue").count() == 3


def test_a_candidate_of_another_site_cannot_be_reissued_a_passcode(
    personas: Personas, phones: None
) -> None:
    carol = registration(personas)
    olga = staff_client(personas.olga)
    assert olga.get(f"/support/passcodes/registrations/{carol.pk}/reissue/").status_code == 404
    response = olga.post(
        f"/support/passcodes/registrations/{carol.pk}/reissue/", {"checks": ["id_number", "name"]}
    )
    assert response.status_code == 404
    paula = staff_client(personas.paula)
    assert paula.get(f"/support/passcodes/registrations/{carol.pk}/reissue/").status_code == 403
    assert not Delivery.objects.exists()


def test_no_reissue_without_a_registered_phone_or_after_the_exam_closed(personas: Personas) -> None:
    carol = registration(personas)
    with pytest.raises(passcodes.PasscodeRefused):
        passcodes.reissue(carol, actor=personas.sam, checks=["id_number", "name"])
    Candidate.objects.filter(pk=personas.carol.pk).update(phone="13800000001")
    Exam.objects.filter(pk=personas.formal.pk).update(
        opens_at=timezone.now() - dt.timedelta(hours=5),
        closes_at=timezone.now() - dt.timedelta(hours=1),
    )
    carol = registration(personas)
    with pytest.raises(passcodes.PasscodeRefused):
        passcodes.reissue(carol, actor=personas.sam, checks=["id_number", "name"])
    assert not Delivery.objects.exists()


def test_a_passcode_is_long_random_and_free_of_look_alikes() -> None:
    codes = {passcodes.generate() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) >= 8 and set(code) <= set(passcodes.ALPHABET)
    assert not set("0O1IL") & set(passcodes.ALPHABET)


def test_a_passcode_is_stored_as_a_salted_keyed_hash(settings) -> None:
    first, second = passcodes.make_hash("ACEF-GHJK-MN"), passcodes.make_hash("ACEFGHJKMN")
    assert "ACEF" not in first and first != second  # a salt of its own per row
    assert passcodes.check("acef ghjk mn", first) and passcodes.check("ACEFGHJKMN", second)
    assert not passcodes.check("ACEFGHJKMP", first)
    assert not passcodes.check("", first) and not passcodes.check("ACEFGHJKMN", "")
    # Another secret key does not verify it (the key is not in the database); a fallback does.
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-for-this-test-only"
    assert not passcodes.check("ACEFGHJKMN", first)
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert passcodes.check("ACEFGHJKMN", first)


def test_a_reissue_replaces_the_passcode_of_a_scheduled_sms_not_sent_yet(
    personas: Personas, phones: None, outbox
) -> None:
    carol = registration(personas)
    passcodes.schedule(
        personas.formal, timezone.now() + dt.timedelta(hours=1), actor=personas.oscar
    )
    passcodes.reissue(carol, actor=personas.sam, checks=["id_number", "phone"])
    waiting = Delivery.objects.get(purpose="exam.passcode", about=passcodes.about(carol))
    reissued = Delivery.objects.get(purpose="exam.passcode_reissue")
    assert passcode_in(waiting.body) == passcode_in(reissued.body)
    assert signs_in(personas, "carol", passcode_in(reissued.body))
    entry = AuditEntry.objects.get(action="exam.passcode_reissued")
    assert entry.target_id == str(carol.pk) and entry.data["delivery"] == reissued.pk
