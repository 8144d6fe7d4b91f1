"""The candidate's side of the review (issue 16 §5): the decided flags in plain language when the
exam's policy allows, one appeal per attempt within the window, with a statement and one PDF,
JPEG or PNG, decided by a second reviewer; upheld, the flags are withdrawn; every step audited
and the candidate told through the notifications gateway."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from exams.models import Attempt
from notifications.models import Delivery
from proctoring.models import Alert, AlertDecision, AlertKind, EvidenceFrame, Severity, Violation
from review import appeals, claims, decisions, queue
from review.models import Appeal, AttemptReview, Outcome
from review.statuses import APPEAL, AppealStatus
from tests.conftest import candidate_client
from tests.personas import PASSWORD, Personas
from tests.review_world import alert, finished_attempt

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def pdf(name: str = "letter.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def reviewed(personas: Personas, *, visible: bool = True) -> tuple[Attempt, Alert, Alert]:
    """Carol's attempt reviewed by Paula: a phone (violation), talking (warning) and looking
    away (no action); the exam shows the flags when ``visible``."""
    exam = personas.formal
    exam.flags_visible_to_candidate = visible
    exam.save(update_fields=["flags_visible_to_candidate"])
    attempt = finished_attempt(personas)
    start = attempt.started_at or timezone.now()
    phone = alert(attempt, AlertKind.DEVICE, Severity.HIGH, start + dt.timedelta(minutes=12))
    talk = alert(attempt, AlertKind.TALKING, Severity.MEDIUM, start + dt.timedelta(minutes=20))
    away = alert(attempt, AlertKind.LOOKING_AWAY, Severity.LOW, start + dt.timedelta(minutes=30))
    EvidenceFrame.objects.create(
        attempt=attempt,
        view=1,
        kind=EvidenceFrame.Kind.FRAME,
        image=SimpleUploadedFile("f.jpg", b"\xff\xd8\xff"),
        captured_at=phone.opened_at + dt.timedelta(seconds=1),
    )
    queue.ensure_reviews(exam, Attempt.objects.filter(pk=attempt.pk))
    review = AttemptReview.objects.get(attempt=attempt)
    assert claims.claim(review, personas.paula)
    decisions.decide_alert(review, phone.pk, "violation", "Phone in the hand", actor=personas.paula)
    decisions.decide_alert(review, talk.pk, "warning", "Murmuring", actor=personas.paula)
    decisions.decide_alert(review, away.pk, "no_action", "Reading", actor=personas.paula)
    decisions.finish(review, "violation", "A phone used", actor=personas.paula)
    attempt.refresh_from_db()
    return attempt, phone, talk


def test_the_candidate_sees_the_decided_flags_in_plain_language(
    personas: Personas, django_assert_num_queries: Any
) -> None:
    attempt, phone, talk = reviewed(personas)
    # The violations' alerts, then the flags with their evidence counted: not a query per flag.
    with django_assert_num_queries(2):
        flags = appeals.decided_flags(attempt)
    # Warnings and violations only: "no action" is not a flag.
    assert [f.alert.pk for f in flags] == [phone.pk, talk.pk]
    assert flags[0].outcome == Outcome.VIOLATION.label and flags[0].reason == "Phone in the hand"
    assert flags[0].at_minutes == 12
    assert flags[0].evidence == "1 张摄像头画面"  # zh-Hans first: "1 camera frame"
    assert flags[1].evidence == "仅有录像"  # "the recording only"

    client = candidate_client(personas, "carol")
    page = client.get(f"/review/my/attempts/{attempt.pk}/").content.decode()
    assert "Phone in the hand" in page and "Reading" not in page
    assert 'id="appeal-form"' in page
    assert (
        'id="review-flags-link"'
        in client.get(f"/exam/attempts/{attempt.pk}/result/").content.decode()
    )
    # Dave may not see Carol's flags; nor anyone when the policy hides them.
    dave = candidate_client(personas, "dave")
    assert dave.get(f"/review/my/attempts/{attempt.pk}/").status_code == 404
    personas.formal.flags_visible_to_candidate = False
    personas.formal.save(update_fields=["flags_visible_to_candidate"])
    assert client.get(f"/review/my/attempts/{attempt.pk}/").status_code == 404


def test_a_second_appeal_is_refused_and_nothing_written(personas: Personas) -> None:
    attempt, _, _ = reviewed(personas)
    appeal = appeals.file_appeal(
        attempt, "I was reading the rules.", pdf(), actor=personas.carol.user
    )
    assert appeal.sha256 and appeal.attachment_type == "application/pdf"
    assert AuditEntry.objects.filter(action="review.appeal.submitted").count() == 1
    with pytest.raises(appeals.AppealRefused) as second:
        appeals.file_appeal(attempt, "Again", pdf(), actor=personas.carol.user)
    assert second.value.code == "appealed"
    assert Appeal.objects.count() == 1
    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.create(attempt=attempt, statement="x", attachment="a.pdf", sha256="0")


def test_an_appeal_after_the_window_is_refused(personas: Personas) -> None:
    attempt, _, _ = reviewed(personas)
    review = AttemptReview.objects.get(attempt=attempt)
    assert review.finished_at is not None
    late = review.finished_at + dt.timedelta(days=7, seconds=1)
    with pytest.raises(appeals.AppealRefused) as refused:
        appeals.file_appeal(attempt, "Late", pdf(), actor=personas.carol.user, now=late)
    assert refused.value.code == "too_late" and "结束" in str(refused.value.message)
    assert not Appeal.objects.exists()
    # Within the window (a day before its end) it is accepted.
    early = late - dt.timedelta(days=1)
    appeals.file_appeal(attempt, "In time", pdf(), actor=personas.carol.user, now=early)


def test_no_appeal_where_the_policy_hides_the_flags(personas: Personas) -> None:
    attempt, _, _ = reviewed(personas, visible=False)
    with pytest.raises(appeals.AppealRefused) as refused:
        appeals.file_appeal(attempt, "x", pdf(), actor=personas.carol.user)
    assert refused.value.code == "not_offered"


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (None, "no_attachment"),
        (SimpleUploadedFile("empty.pdf", b""), "bad_attachment"),
        (SimpleUploadedFile("page.pdf", b"<html>not a pdf</html>"), "bad_attachment"),
        (SimpleUploadedFile("big.pdf", PDF + b"0" * 2048), "too_large"),
    ],
)
def test_a_bad_attachment_is_refused(
    personas: Personas, settings: Any, tmp_path: Any, upload: Any, code: str
) -> None:
    settings.REVIEW_APPEAL_ATTACHMENT_MAX_BYTES = 1024
    attempt, _, _ = reviewed(personas)
    with pytest.raises(appeals.AppealRefused) as refused:
        appeals.file_appeal(attempt, "Statement", upload, actor=personas.carol.user)
    assert refused.value.code == code
    assert not Appeal.objects.exists()
    assert not (tmp_path / "review").exists()
    with pytest.raises(appeals.AppealRefused) as empty:
        appeals.file_appeal(attempt, "   ", pdf(), actor=personas.carol.user)
    assert empty.value.code == "no_statement"


def test_a_png_and_a_jpeg_are_accepted_by_their_bytes() -> None:
    def read(data: bytes) -> str:
        return appeals.read_attachment(SimpleUploadedFile("any.pdf", data))[1]

    assert read(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert read(b"\xff\xd8\xff\xe0") == "image/jpeg"
    # A GIF, and a WebP the shared sniffer recognises for inspections, are not accepted here.
    for data in (b"GIF89a....", b"RIFF\x00\x00\x00\x00WEBPVP8 "):
        with pytest.raises(appeals.AppealRefused) as refused:
            read(data)
        assert refused.value.code == "bad_attachment"


def test_the_first_reviewer_may_not_decide_the_appeal(personas: Personas) -> None:
    attempt, phone, _ = reviewed(personas)
    appeal = appeals.file_appeal(
        attempt, "Mine was a calculator.", pdf(), actor=personas.carol.user
    )
    with pytest.raises(appeals.AppealRefused) as refused:
        appeals.decide(appeal, True, "Looks fine", actor=personas.paula)
    assert refused.value.code == "same_reviewer"
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.SUBMITTED
    assert Alert.objects.get(pk=phone.pk).decision == AlertDecision.CONFIRMED
    with pytest.raises(appeals.AppealRefused):
        appeals.decide(appeal, True, "  ", actor=personas.sam)  # no reason


def test_an_upheld_appeal_withdraws_the_flags_audited_and_notified(personas: Personas) -> None:
    attempt, phone, talk = reviewed(personas)
    personas.carol.phone = "13800000000"
    personas.carol.save(update_fields=["phone"])
    appeal = appeals.file_appeal(attempt, "A calculator.", pdf(), actor=personas.carol.user)
    appeals.decide(appeal, True, "The object is a calculator", actor=personas.sam)

    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.UPHELD and appeal.decided_by == personas.sam
    for row in Alert.objects.filter(pk__in=[phone.pk, talk.pk]):
        assert row.decision == AlertDecision.DISMISSED and row.decided_by == personas.sam
    assert not Violation.objects.filter(attempt=attempt).exists()
    assert AttemptReview.objects.get(attempt=attempt).outcome == Outcome.NO_ACTION
    assert appeals.decided_flags(attempt) == []
    # The history stays in the audit: what each flag was, and who decided it first.
    withdrawn = AuditEntry.objects.filter(action="review.flag_withdrawn")
    assert withdrawn.count() == 2
    first = withdrawn.get(target_id=str(phone.pk))
    assert first.data["old_decided_by"] == personas.paula.pk
    assert first.data["violations"][0]["kind"] == "device"
    assert AuditEntry.objects.filter(action="review.appeal.upheld").count() == 1
    delivery = Delivery.objects.get(purpose="review.appeal_decided")
    assert delivery.recipient == "13800000000" and "维持" not in delivery.body
    # Decided once.
    with pytest.raises(appeals.AppealRefused) as again:
        appeals.decide(appeal, False, "No", actor=personas.oscar)
    assert again.value.code == "decided"
    assert APPEAL.illegal(["submitted", "upheld", "rejected"]) == [
        ("submitted", "submitted"),
        ("upheld", "submitted"),
        ("upheld", "upheld"),
        ("upheld", "rejected"),
        ("rejected", "submitted"),
        ("rejected", "upheld"),
        ("rejected", "rejected"),
    ]


def test_a_rejected_appeal_leaves_the_flags(personas: Personas) -> None:
    attempt, phone, _ = reviewed(personas)
    appeal = appeals.file_appeal(attempt, "Not mine.", pdf(), actor=personas.carol.user)
    appeals.decide(appeal, False, "The phone is clearly seen", actor=personas.oscar)
    assert Alert.objects.get(pk=phone.pk).decision == AlertDecision.CONFIRMED
    assert Violation.objects.filter(attempt=attempt).count() == 1
    assert AuditEntry.objects.filter(action="review.appeal.rejected").count() == 1


def test_the_staff_appeal_pages_are_for_reviewers_of_the_room(personas: Personas) -> None:
    attempt, _, _ = reviewed(personas)
    appeal = appeals.file_appeal(attempt, "A calculator.", pdf(), actor=personas.carol.user)
    sam = Client()
    assert sam.login(username="sam", password=PASSWORD)
    listing = sam.get(f"/review/exams/{personas.formal.pk}/appeals/").content.decode()
    assert f'data-appeal-id="{appeal.pk}"' in listing
    page = sam.get(f"/review/appeals/{appeal.pk}/").content.decode()
    assert 'id="appeal-decision-form"' in page
    download = sam.get(f"/review/appeals/{appeal.pk}/attachment/")
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    # Paula, who decided the flags, is told a second reviewer decides.
    paula = Client()
    assert paula.login(username="paula", password=PASSWORD)
    assert 'id="appeal-not-yours"' in paula.get(f"/review/appeals/{appeal.pk}/").content.decode()
    # Pete (another room) and the candidate reach nothing.
    pete = Client()
    assert pete.login(username="pete", password=PASSWORD)
    assert pete.get(f"/review/appeals/{appeal.pk}/").status_code == 404
    assert pete.get(f"/review/appeals/{appeal.pk}/attachment/").status_code == 404
    carol = candidate_client(personas, "carol")
    assert carol.get(f"/review/appeals/{appeal.pk}/").status_code in (302, 403)
    sam.post(f"/review/appeals/{appeal.pk}/", {"decision": "reject", "reason": "Seen clearly"})
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.REJECTED
