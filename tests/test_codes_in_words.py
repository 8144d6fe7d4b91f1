"""Codes never reach the screen: the automatic checks' findings on a candidate record and the
method of an identity check are shown in words, in the reader's language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from candidates.models import Candidate
from candidates.statuses import Verification, describe_note
from exams.models import IdentityCheck
from tests.personas import PASSWORD, Personas

pytestmark = pytest.mark.django_db


def test_problem_codes_are_described_and_a_persons_note_is_kept() -> None:
    with translation.override("zh-hans"):
        assert describe_note("no_photo,no_certificate") == "无报名照片、未填写证书或专业"
    with translation.override("en"):
        assert describe_note("no_photo") == "No registered photo"
        assert describe_note("checked the ID card, no_photo") == "checked the ID card, no_photo"


def test_the_candidate_pages_show_the_findings_in_words(personas: Personas) -> None:
    Candidate.objects.filter(pk=personas.carol.pk).update(
        verification=Verification.NEEDS_MANUAL, verification_note="no_photo"
    )
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    for path in ("/candidates/", "/candidates/manual/", f"/candidates/{personas.carol.pk}/"):
        page = client.get(path).content.decode()
        assert "无报名照片" in page and "no_photo" not in page, path


def test_an_identity_checks_method_is_shown_in_words(personas: Personas) -> None:
    for method in ("face+liveness", "manual", "staff_review", "human_review"):
        IdentityCheck.objects.create(
            candidate=personas.carol, challenge="turn_head", method=method, status="failed"
        )
    client = Client()
    assert client.login(username="sam", password=PASSWORD)
    page = client.get(f"/vision/staff/faces/{personas.carol.pk}/").content.decode()
    for code in ("face+liveness", "staff_review", "human_review", "· manual"):
        assert code not in page, code
    assert "人脸核验（含活体检测）" in page and "人工审核" in page


def test_a_page_events_action_is_shown_in_words(personas: Personas) -> None:
    from exams.models import AttemptEvent, Registration
    from tests.personas import answering

    attempt = answering(Registration.objects.get(exam=personas.formal, candidate=personas.carol))
    AttemptEvent.objects.create(attempt=attempt, kind="hidden", action="returned_in_time")
    with translation.override("zh-hans"):
        assert AttemptEvent.objects.get().action_label == "按时返回"
    with translation.override("en"):
        assert AttemptEvent.objects.get().action_label == "Came back in time"
