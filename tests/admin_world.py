"""One row of every model of the platform, on top of the personas, for the admin tests: the
exam side at site S1 (carol's attempt with its evidence), certification, inspections, support,
notifications, jobs and a face enrolment with its encrypted template.

Every secret stored here is a value the admin tests then look for in the pages: it must never
appear."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import User
from centres.models import StaffMember
from certification.models import (
    Enrolment,
    ExamSession,
    IssuedCertificate,
    Quota,
    Score,
    Seat,
)
from certification.statuses import CertificateStatus
from exams.models import (
    Accommodation,
    Answer,
    Attempt,
    AttemptEvent,
    CommitmentSignature,
    IdentityCheck,
    PaperRule,
    Registration,
)
from exams.statuses import CheckStatus
from inspections import services as inspections
from inspections.models import Escalation, ReportAnswer
from jobs.models import BackgroundJob
from notifications.models import Delivery
from proctoring.models import (
    Alert,
    AlertRules,
    AudioChunk,
    EvidenceFrame,
    FrameAnalysis,
    PhonePairing,
    ProctorMessage,
    ProctorScreenshot,
    RecordingSegment,
    RoomScan,
    SnapshotPlan,
    ViewState,
    Violation,
)
from review.models import Appeal, AttemptReview
from support.models import Conversation, DeviceCheck, MakeupRequest, Message
from tests import certification_world, inspection_helpers
from tests.personas import Personas, answering, build_inspections, candidate
from vision import crypto
from vision.models import FaceEnrolment, FaceTemplate

PAIRING_TOKEN = "phone-pairing-token-never-shown"
VERIFICATION_TOKEN = "verification-token-never-shown"
FACE_ENCODING = np.arange(128, dtype=np.float64) / 1000
DELIVERY_BODY = "Your passcode is 8642-never-shown"


@dataclass
class AdminWorld:
    attempt: Attempt
    other_site_attempt: Attempt
    certificate: IssuedCertificate
    enrolment: FaceEnrolment
    template: FaceTemplate
    alert: Alert
    conversation: Conversation


def build(people: Personas) -> AdminWorld:
    now = timezone.now()
    world = certification_world.build(people)
    carol, dave = people.carol, people.dave
    carol.institution = world.institution
    carol.save()
    registration = Registration.objects.get(exam=people.formal, candidate=carol)
    attempt = answering(registration)

    # A candidate of the other site S2, whose rows site S1's administrator must never see.
    other_room = people.other_site.rooms.create(code="X", name="Room X")
    erin = candidate("31010120000101403", "Erin", people.other_site)
    other_registration = Registration.objects.create(
        exam=people.formal, candidate=erin, room=other_room
    )
    other_site_attempt = answering(other_registration)

    StaffMember.objects.create(site=people.site, kind=StaffMember.Kind.PROCTOR, name="张老师")
    PaperRule.objects.create(exam=people.trial, kind="single", count=2)
    CommitmentSignature.objects.get_or_create(attempt=attempt, defaults={"text": "I promise."})
    question = people.formal.paper_items.first().question  # type: ignore[union-attr]
    Answer.objects.create(attempt=attempt, question=question, response="B", seq=1)
    AttemptEvent.objects.create(attempt=attempt, kind=AttemptEvent.Kind.BLUR)
    Accommodation.objects.create(registration=registration, extra_minutes=10, reason="Recorded")
    AttemptReview.objects.create(attempt=attempt, exam=people.formal)
    Appeal.objects.create(
        attempt=attempt,
        statement="The object was a calculator.",
        attachment=ContentFile(b"%PDF-1.4\n", name="appeal.pdf"),
        attachment_type="application/pdf",
        sha256="0" * 64,
    )
    IdentityCheck.objects.create(
        candidate=carol,
        attempt=attempt,
        status=CheckStatus.PASSED,
        challenge=IdentityCheck.Challenge.BLINK,
    )

    AlertRules.objects.create(exam=people.formal)
    frame = EvidenceFrame(attempt=attempt, kind=EvidenceFrame.Kind.ALERT)
    frame.image.save("f.jpg", ContentFile(inspection_helpers.jpeg().read()), save=True)
    FrameAnalysis.objects.create(frame=frame, result={"faces": 1})
    alert = Alert.objects.create(
        attempt=attempt,
        kind="looking_away",
        severity=1,
        opened_at=now,
        last_seen_at=now,
        evidence=frame,
    )
    ProctorMessage.objects.create(
        attempt=attempt, kind="warning", text="Eyes on the screen", sender=people.paula, sent_at=now
    )
    Violation.objects.create(attempt=attempt, kind="device", recorded_by=people.paula, at=now)
    shot = EvidenceFrame(attempt=attempt, kind=EvidenceFrame.Kind.PROCTOR)
    shot.image.save("s.jpg", ContentFile(inspection_helpers.jpeg().read()), save=True)
    ProctorScreenshot.objects.create(frame=shot, note="phone on desk", taken_by=people.paula)
    ViewState.objects.create(attempt=attempt, view=1, connected=True, changed_at=now)
    PhonePairing.objects.create(
        attempt=attempt,
        token_hash=hashlib.sha256(PAIRING_TOKEN.encode()).hexdigest(),
        created_at=now,
        expires_at=now + dt.timedelta(minutes=5),
    )
    segment = RecordingSegment(
        attempt=attempt,
        view=1,
        seq=1,
        client_id="c1",
        started_at=now,
        duration_ms=2000,
        size=4,
    )
    segment.file.save("x.webm", ContentFile(b"webm"), save=True)
    scan = RoomScan(
        attempt=attempt, seq=0, client_id="s1", started_at=now, duration_ms=20000, size=4
    )
    scan.file.save("s.webm", ContentFile(b"webm"), save=True)
    chunk = AudioChunk(attempt=attempt)
    chunk.audio.save("a.wav", ContentFile(b"RIFF"), save=True)
    SnapshotPlan.objects.create(attempt=attempt, due=[])

    plan = certification_world.plan(world)
    Quota.objects.create(
        institution=world.institution, certificate=world.certificate, major=world.major, declared=3
    )
    enrolment = Enrolment.objects.create(plan=plan, candidate=carol, site=people.site)
    Enrolment.objects.create(plan=plan, candidate=erin, site=people.other_site)
    session = ExamSession.objects.create(
        plan=plan, name="Morning", starts_at=plan.exam_opens, ends_at=plan.exam_closes
    )
    Seat.objects.create(enrolment=enrolment, session=session, room=people.room_a, number=1)
    Score.objects.create(enrolment=enrolment, value=88, passed=True)
    certificate = IssuedCertificate.objects.create(
        enrolment=enrolment,
        number="CERT-0001",
        token=VERIFICATION_TOKEN,
        status=CertificateStatus.STAMPED,
        org_signed_at=now,
        site_signed_at=now,
        stamped_at=now,
    )
    from certification import issuing

    issuing.sign_step(
        certificate, "org_sign", issuing.content_sha256(certificate), signer=people.oscar
    )

    units = build_inspections(people)
    template = inspection_helpers.template_for(units.university_1)
    report = inspections.open_report(units.university_1, template, now.date(), units.uma)
    ReportAnswer.objects.create(
        report=report, item=inspection_helpers.items_of(template)[0], result="done"
    )
    finding = inspection_helpers.record_finding(units)
    rectification = finding.rectification
    inspections.report_progress(rectification, note="Camera fixed", files=[], user=units.uma)
    Escalation.objects.create(rectification=rectification, deadline=rectification.deadline)

    Delivery.objects.create(
        channel=Delivery.Channel.SMS, recipient="13800000000", body=DELIVERY_BODY, purpose="test"
    )

    enrolment_face = FaceEnrolment.objects.create(
        candidate=carol, status="enrolled", source=FaceEnrolment.Source.UPLOAD, enrolled_at=now
    )
    face_template = FaceTemplate.objects.create(
        enrolment=enrolment_face, encrypted=crypto.encrypt_encoding(FACE_ENCODING), model="test"
    )
    FaceEnrolment.objects.create(
        candidate=erin, status="enrolled", source=FaceEnrolment.Source.UPLOAD, enrolled_at=now
    )

    conversation = Conversation.objects.create(candidate=carol, site=people.site)
    Message.objects.create(conversation=conversation, from_staff=False, body="Help")
    Conversation.objects.create(candidate=erin, site=people.other_site)
    MakeupRequest.objects.create(
        registration=registration, attempt=attempt, explanation="Power cut"
    )
    DeviceCheck.objects.create(
        candidate=carol, browser_ok=True, camera="ok", microphone="ok", passed=True
    )
    BackgroundJob.objects.create(kind="candidates.import", owner=people.sam)
    User.objects.filter(pk=dave.user_id).update(locked_at=now, failed_logins=5)
    return AdminWorld(
        attempt=attempt,
        other_site_attempt=other_site_attempt,
        certificate=certificate,
        enrolment=enrolment_face,
        template=face_template,
        alert=alert,
        conversation=conversation,
    )
