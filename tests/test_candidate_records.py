"""Candidate records by hand: a site worker corrects a record (the ID number checked, the change
audited with its reason), removes a record that has no exam history (refused, with the reason,
when it has), and decides each record's verification with a reason: verify, reject,
correct-and-verify or send back to pending, only along the life cycle."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from accounts.models import User
from audit.models import AuditEntry
from candidates.models import Candidate
from candidates.services import transition_to
from candidates.statuses import Verification
from exams.models import Attempt, Registration
from tests import certification_world
from tests import personas as people
from tests.personas import PASSWORD, Personas, make_id_number

NEW_ID = make_id_number("11010519900307301")


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def entries(action: str, candidate: Candidate) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, target_id=str(candidate.pk)))


def correction(candidate: Candidate, **changes: str) -> dict[str, str]:
    data = {
        "name": candidate.name,
        "id_number": candidate.id_number,
        "phone": candidate.phone,
        "certificate": "",
        "major": "",
        "reason": "按身份证更正",
    }
    return {**data, **changes}


def needs_manual(candidate: Candidate) -> Candidate:
    assert transition_to(candidate, Verification.NEEDS_MANUAL, note="no_photo")
    return candidate


def test_the_list_links_to_the_record_which_a_site_worker_corrects(personas: Personas) -> None:
    sam, carol = signed_in(personas.sam), personas.carol
    assert f'href="/candidates/{carol.pk}/"' in sam.get("/candidates/").content.decode()
    assert sam.get(f"/candidates/{carol.pk}/").status_code == 200
    response = sam.post(
        f"/candidates/{carol.pk}/correct/",
        correction(carol, name="  卡罗尔 ", id_number=NEW_ID.lower(), phone="13900000003"),
    )
    assert response.status_code == 302
    carol.refresh_from_db()
    assert (carol.name, carol.id_number, carol.phone) == ("卡罗尔", NEW_ID, "13900000003")
    assert User.objects.get(pk=carol.user_id).first_name == "卡罗尔"
    (entry,) = entries("candidate.corrected", carol)
    assert entry.actor == personas.sam and entry.data["reason"] == "按身份证更正"
    assert set(entry.data["fields"]) == {"name", "id_number", "phone"}
    assert NEW_ID not in str(entry.data)  # the audit log shows ID numbers masked only
    page = sam.get(f"/candidates/{carol.pk}/").content.decode()
    assert "按身份证更正" in page  # the record's history


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_number": NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")}, "id_number"),
        ({"id_number": "1101051990030730"}, "id_number"),
        ({"phone": "12345"}, "phone"),
        ({"reason": ""}, "reason"),
    ],
)
def test_a_bad_correction_says_what_is_wrong_and_changes_nothing(
    personas: Personas, changes: dict[str, str], field: str
) -> None:
    carol = personas.carol
    before = (carol.name, carol.id_number, carol.phone)
    response = signed_in(personas.sam).post(
        f"/candidates/{carol.pk}/correct/", correction(carol, name="别的名字", **changes)
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    carol.refresh_from_db()
    assert (carol.name, carol.id_number, carol.phone) == before
    assert not entries("candidate.corrected", carol)


def test_another_candidates_id_number_is_refused(personas: Personas) -> None:
    carol = personas.carol
    response = signed_in(personas.sam).post(
        f"/candidates/{carol.pk}/correct/", correction(carol, id_number=personas.dave.id_number)
    )
    assert response.status_code == 400 and response.context["form"].errors["id_number"]


def test_correcting_who_a_verified_record_is_about_sends_it_back_to_pending(
    personas: Personas,
) -> None:
    carol = personas.carol
    assert transition_to(carol, Verification.VERIFIED, note="automatic")
    sam = signed_in(personas.sam)
    sam.post(f"/candidates/{carol.pk}/correct/", correction(carol, phone="13900000003"))
    carol.refresh_from_db()
    assert carol.verification == Verification.VERIFIED  # a phone number is not who they are
    sam.post(f"/candidates/{carol.pk}/correct/", correction(carol, name="卡罗尔"))
    carol.refresh_from_db()
    assert carol.verification == Verification.PENDING and carol.verification_note == "corrected"


def test_nobody_corrects_or_decides_a_record_outside_their_site(personas: Personas) -> None:
    olga, carol = signed_in(personas.olga), needs_manual(personas.carol)
    assert olga.get(f"/candidates/{carol.pk}/").status_code == 404
    assert olga.post(f"/candidates/{carol.pk}/correct/", correction(carol)).status_code == 404
    decision = {"decision": "verify", "reason": "看过证件"}
    assert olga.post(f"/candidates/{carol.pk}/decide/", decision).status_code == 404
    assert olga.post(f"/candidates/{carol.pk}/remove/", {"reason": "x"}).status_code == 404
    assert signed_in(personas.paula).get(f"/candidates/{carol.pk}/").status_code == 403
    carol.refresh_from_db()
    assert carol.verification == Verification.NEEDS_MANUAL


def test_a_record_without_exam_history_is_removed_with_its_files(
    personas: Personas, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    erin = people.candidate("11010519900307401", "Erin", personas.site)
    Registration.objects.create(exam=personas.trial, candidate=erin, room=personas.room_a)
    erin.photo.save("x.jpg", ContentFile(b"\xff\xd8 not really a photo"))
    photo = tmp_path / erin.photo.name
    assert photo.exists()
    sam = signed_in(personas.sam)
    page = sam.get(f"/candidates/{erin.pk}/remove/")
    assert page.status_code == 200
    assert page.context["effects"].allowed
    assert [count for _name, count in page.context["effects"].removed] == [1]  # the registration
    assert sam.post(f"/candidates/{erin.pk}/remove/", {"reason": ""}).status_code == 400
    assert Candidate.objects.filter(pk=erin.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = sam.post(f"/candidates/{erin.pk}/remove/", {"reason": "重复报名"})
    assert response.status_code == 302
    assert not Candidate.objects.filter(pk=erin.pk).exists()
    assert not User.objects.filter(pk=erin.user_id).exists()
    assert not Registration.objects.filter(candidate_id=erin.pk).exists()
    assert not photo.exists()
    (entry,) = entries("candidate.removed", erin)
    assert entry.data["reason"] == "重复报名" and entry.actor == personas.sam
    assert erin.id_number not in str(entry.data)


def test_a_record_with_an_attempt_is_kept(personas: Personas, carol_attempt: Attempt) -> None:
    carol = personas.carol
    sam = signed_in(personas.sam)
    page = sam.get(f"/candidates/{carol.pk}/remove/")
    assert not page.context["effects"].allowed
    response = sam.post(f"/candidates/{carol.pk}/remove/", {"reason": "测试"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Candidate.objects.filter(pk=carol.pk).exists()
    assert Attempt.objects.filter(pk=carol_attempt.pk).exists()
    assert not entries("candidate.removed", carol)


def decide(client: Client, candidate: Candidate, decision: str, reason: str = "核对了身份证原件"):
    return client.post(
        f"/candidates/{candidate.pk}/decide/", {"decision": decision, "reason": reason}
    )


def test_manual_verification_needs_a_reason_and_is_audited(personas: Personas) -> None:
    sam, carol = signed_in(personas.sam), needs_manual(personas.carol)
    assert decide(sam, carol, "verify", reason="").status_code == 400
    carol.refresh_from_db()
    assert carol.verification == Verification.NEEDS_MANUAL
    assert decide(sam, carol, "verify").status_code == 302
    carol.refresh_from_db()
    assert carol.verification == Verification.VERIFIED
    assert carol.verification_note == "核对了身份证原件"
    (entry,) = entries("candidate.verified", carol)
    assert entry.data == {"old_status": "needs_manual", "note": "核对了身份证原件"}
    assert entry.actor == personas.sam


def test_reject_send_back_and_the_moves_the_life_cycle_forbids(personas: Personas) -> None:
    sam, carol = signed_in(personas.sam), needs_manual(personas.carol)
    assert decide(sam, carol, "reject", "照片不是本人").status_code == 302
    carol.refresh_from_db()
    assert carol.verification == Verification.REJECTED
    # A rejected record is checked again before it can be verified.
    refused = decide(sam, carol, "verify")
    assert refused.status_code == 400 and refused.context["decision_form"].non_field_errors()
    carol.refresh_from_db()
    assert carol.verification == Verification.REJECTED
    assert decide(sam, carol, "pending", "已换照片").status_code == 302
    carol.refresh_from_db()
    assert carol.verification == Verification.PENDING
    assert transition_to(carol, Verification.VERIFIED, note="automatic")
    for decision in ("verify", "reject"):  # a verified record only goes back to pending
        assert decide(sam, carol, decision).status_code == 400
    carol.refresh_from_db()
    assert carol.verification == Verification.VERIFIED
    assert [e.action for e in AuditEntry.objects.filter(target_id=str(carol.pk))] == [
        "candidate.verified",
        "candidate.pending",
        "candidate.rejected",
        "candidate.needs_manual",
    ]


def test_correct_and_verify_in_one_step(personas: Personas) -> None:
    carol = needs_manual(personas.carol)
    Candidate.objects.filter(pk=carol.pk).update(id_number="110105199003072019")  # a typo
    carol.refresh_from_db()
    sam = signed_in(personas.sam)
    page = sam.get(f"/candidates/{carol.pk}/").content.decode()
    assert 'name="and_verify"' in page
    response = sam.post(
        f"/candidates/{carol.pk}/correct/",
        {**correction(carol, id_number=NEW_ID), "and_verify": "1"},
    )
    assert response.status_code == 302
    carol.refresh_from_db()
    assert (carol.id_number, carol.verification) == (NEW_ID, Verification.VERIFIED)
    assert entries("candidate.corrected", carol) and entries("candidate.verified", carol)


def test_correct_and_verify_of_a_rejected_record_writes_nothing(personas: Personas) -> None:
    carol = needs_manual(personas.carol)
    assert transition_to(carol, Verification.REJECTED, note="x")
    response = signed_in(personas.sam).post(
        f"/candidates/{carol.pk}/correct/",
        {**correction(carol, name="卡罗尔"), "and_verify": "1"},
    )
    assert response.status_code == 400
    carol.refresh_from_db()
    assert (carol.name, carol.verification) == ("Carol", Verification.REJECTED)
    assert not entries("candidate.corrected", carol)


def test_bulk_confirmation_records_its_reason_on_each_record(personas: Personas) -> None:
    sam = signed_in(personas.sam)
    carol, dave = needs_manual(personas.carol), needs_manual(personas.dave)
    ids = [carol.pk, dave.pk]
    sam.post("/candidates/manual/", {"ids": ids})  # no reason: nothing happens
    assert Candidate.objects.filter(verification=Verification.VERIFIED).count() == 0
    sam.post("/candidates/manual/", {"ids": ids, "reason": "逐一核对了名单与证件"})
    for candidate in (carol, dave):
        candidate.refresh_from_db()
        assert candidate.verification == Verification.VERIFIED
        (entry,) = entries("candidate.verified", candidate)
        assert entry.data["note"] == "逐一核对了名单与证件"


def test_a_corrected_major_follows_the_certificates_code_list(personas: Personas) -> None:
    world = certification_world.build(personas)  # the organisation uses the new code list
    sam, carol = signed_in(personas.sam), personas.carol
    wrong_list = correction(
        carol, certificate=str(world.certificate.pk), major=str(world.old_major.pk)
    )
    response = sam.post(f"/candidates/{carol.pk}/correct/", wrong_list)
    assert response.status_code == 400 and response.context["form"].errors["major"]
    right = correction(carol, certificate=str(world.certificate.pk), major=str(world.major.pk))
    assert sam.post(f"/candidates/{carol.pk}/correct/", right).status_code == 302
    carol.refresh_from_db()
    assert (carol.certificate_id, carol.major_id) == (world.certificate.pk, world.major.pk)


def test_a_candidate_registered_in_a_plan_is_kept_and_not_rejected(personas: Personas) -> None:
    from certification.models import Enrolment

    world = certification_world.build(personas)
    plan = certification_world.plan(world)
    grace = certification_world.verified_candidate(world, 960, "已报考", personas.site)
    Enrolment.objects.create(plan=plan, candidate=grace, site=personas.site)
    sam = signed_in(personas.sam)
    response = sam.post(f"/candidates/{grace.pk}/remove/", {"reason": "测试"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Candidate.objects.filter(pk=grace.pk).exists()
    assert decide(sam, grace, "pending", "复核").status_code == 302
    refused = decide(sam, grace, "reject", "不符合")
    assert refused.status_code == 400
    grace.refresh_from_db()
    assert grace.verification == Verification.PENDING
