"""Accommodations (issue 16): recorded by exam-centre staff through their pages before the exam,
refused with a reason when they would not fit the exam window (nothing written), audited, and
applied by the server: the deadline when answering starts, the leave policy, the frame alerts;
shown to the proctor on the console's tile and the review page."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from exams import services, summaries
from exams.models import Accommodation, Attempt, AttemptEvent, Exam, Registration
from proctoring import alerts, tasks
from proctoring.models import Alert, AlertKind, EvidenceFrame, Severity
from tests import personas as personas_module
from tests.personas import Personas
from tests.vision.conftest import scene, shared
from vision import analysis
from vision.results import LookingAway

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def carols(personas: Personas) -> Registration:
    return Registration.objects.get(exam=personas.formal, candidate=personas.carol)


def form_url(registration: Registration) -> str:
    return reverse("exams:accommodation", args=[registration.pk])


def post(client: Client, registration: Registration, **fields: object):
    data = {"extra_minutes": 0, "reason": "", **fields}
    return client.post(form_url(registration), {k: v for k, v in data.items() if v is not False})


def test_site_staff_reach_the_page_from_the_exam_pages_and_see_their_site_only(
    personas: Personas,
) -> None:
    sam = signed_in(personas.sam)
    passcodes = sam.get(reverse("support:passcode-exam", args=[personas.formal.pk]))
    listing = reverse("exams:accommodations", args=[personas.formal.pk])
    assert f'href="{listing}"' in passcodes.content.decode()
    oscar = signed_in(personas.oscar)
    setup = oscar.get(reverse("exams:manage-exam", args=[personas.formal.pk]))
    assert f'href="{listing}"' in setup.content.decode()

    page = sam.get(listing)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Carol" in body and "Dave" in body
    assert f'href="{form_url(carols(personas))}"' in body

    # Another site's administrator, a proctor, an inspector: no page, no form.
    assert signed_in(personas.olga).get(listing).status_code == 404
    assert signed_in(personas.olga).get(form_url(carols(personas))).status_code == 404
    assert signed_in(personas.paula).get(form_url(carols(personas))).status_code == 403
    assert signed_in(personas.ingrid).get(listing).status_code == 403
    assert Client().get(listing).status_code == 302


def test_extra_time_recorded_before_the_exam_moves_the_deadline_and_is_audited(
    personas: Personas,
) -> None:
    registration = carols(personas)
    response = post(
        signed_in(personas.sam),
        registration,
        extra_minutes=25,
        screen_reader="on",
        reason="Uses a screen reader (visual impairment)",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    accommodation = Accommodation.objects.get(registration=registration)
    assert (accommodation.extra_minutes, accommodation.screen_reader) == (25, True)
    assert accommodation.recorded_by == personas.sam
    entry = AuditEntry.objects.get(action="accommodation.recorded")
    assert entry.actor == personas.sam and entry.target_id == str(registration.pk)
    assert entry.data["after"] == {
        "extra_minutes": 25,
        "screen_reader": True,
        "may_leave_seat": False,
    }
    assert "visual" not in str(entry.data)  # the reason stays out of the audit log

    attempt = personas_module.answering(registration)
    assert attempt.started_at is not None and attempt.deadline is not None
    assert attempt.deadline - attempt.started_at == dt.timedelta(minutes=90 + 25)
    # Dave, without an accommodation, gets the exam's duration.
    dave = personas_module.answering(
        Registration.objects.get(exam=personas.formal, candidate=personas.dave)
    )
    assert dave.deadline is not None and dave.started_at is not None
    assert dave.deadline - dave.started_at == dt.timedelta(minutes=90)

    # Once answering has started the deadline is fixed: a change is refused, nothing written.
    refused = post(signed_in(personas.sam), registration, extra_minutes=40, reason="More")
    assert refused.status_code == 400
    assert "already started answering" in refused.content.decode()
    accommodation.refresh_from_db()
    assert accommodation.extra_minutes == 25
    assert AuditEntry.objects.filter(action__startswith="accommodation.").count() == 1


def test_extra_time_past_the_exam_window_is_refused_with_a_reason_and_nothing_written(
    personas: Personas,
) -> None:
    registration = carols(personas)
    exam = personas.formal
    # The window is 4 h for a 90 min exam: 150 extra minutes fit, 151 do not.
    spare = int((exam.closes_at - exam.opens_at - exam.duration).total_seconds() // 60)
    assert spare == 150
    response = post(signed_in(personas.sam), registration, extra_minutes=spare + 1, reason="x")
    assert response.status_code == 400
    body = response.content.decode()
    assert "after the exam closes" in body and f"At most {spare} extra minutes" in body
    assert not Accommodation.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="accommodation.").exists()

    # A relaxation without a reason, a negative time: refused too.
    assert post(signed_in(personas.sam), registration, may_leave_seat="on").status_code == 400
    assert (
        post(signed_in(personas.sam), registration, extra_minutes=-5, reason="x").status_code == 400
    )
    assert not Accommodation.objects.exists()

    assert (
        post(signed_in(personas.sam), registration, extra_minutes=spare, reason="x").status_code
        == 302
    )
    assert Accommodation.objects.get().extra_minutes == spare


def test_clearing_an_accommodation_removes_it_and_is_audited(personas: Personas) -> None:
    registration = carols(personas)
    sam = signed_in(personas.sam)
    assert post(sam, registration, extra_minutes=10, reason="Dyslexia").status_code == 302
    assert post(sam, registration).status_code == 302
    assert not Accommodation.objects.exists()
    removed = AuditEntry.objects.get(action="accommodation.removed")
    assert removed.data["before"]["extra_minutes"] == 10


def test_a_closed_exam_takes_no_accommodation(personas: Personas) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(
        opens_at=timezone.now() - dt.timedelta(hours=5),
        closes_at=timezone.now() - dt.timedelta(hours=1),
    )
    response = post(signed_in(personas.sam), carols(personas), extra_minutes=5, reason="x")
    assert response.status_code == 400
    assert "The exam has closed" in response.content.decode()
    assert not Accommodation.objects.exists()


def record(personas: Personas, **fields: object) -> Attempt:
    registration = carols(personas)
    assert (
        post(signed_in(personas.sam), registration, reason="Recorded", **fields).status_code == 302
    )
    return personas_module.answering(registration)


def looking_away_result():
    real = analysis.analyse(scene("face_partial_cropped_1.jpg"), view=1)
    return dataclasses.replace(real, looking_away=LookingAway(yaw=0.95, away=True))


def test_a_screen_reader_user_raises_no_looking_away_and_no_left_page_alert(
    personas: Personas, settings
) -> None:
    # One frame is enough here: the test is about the accommodation, not about persistence.
    settings.VISION_LOOKING_AWAY_CONSECUTIVE_FRAMES = 1
    shared("scenes", "face_partial_cropped_1.jpg")
    result = looking_away_result()
    dave = personas_module.answering(
        Registration.objects.get(exam=personas.formal, candidate=personas.dave)
    )
    alerts.apply(dave, result, at=timezone.now())
    assert Alert.objects.filter(attempt=dave, kind=AlertKind.LOOKING_AWAY).exists()

    carol = record(personas, screen_reader="on")
    alerts.apply(carol, result, at=timezone.now())
    assert not Alert.objects.filter(attempt=carol, kind=AlertKind.LOOKING_AWAY).exists()

    # The formal exam warns on a leave: Dave is warned and alerted, Carol's leave is recorded.
    assert personas.formal.leave_policy == Exam.LeavePolicy.WARN
    assert services.record_event(dave, AttemptEvent.Kind.HIDDEN)[0] == "warned"
    action, carol = services.record_event(carol, AttemptEvent.Kind.HIDDEN)
    assert action == "logged" and carol.warnings == 0
    assert AttemptEvent.objects.filter(attempt=carol, kind=AttemptEvent.Kind.HIDDEN).exists()
    assert Alert.objects.filter(attempt=dave, kind=AlertKind.LEFT_PAGE).exists()
    assert not Alert.objects.filter(attempt=carol, kind=AlertKind.LEFT_PAGE).exists()


def test_a_medical_reason_to_leave_the_seat_lowers_the_left_seat_alert(
    personas: Personas, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    data = shared("scenes", "empty_room_1.jpg").read_bytes()
    carol = record(personas, may_leave_seat="on")
    dave = personas_module.answering(
        Registration.objects.get(exam=personas.formal, candidate=personas.dave)
    )
    for attempt in (carol, dave):
        frame = EvidenceFrame(attempt=attempt, view=1, captured_at=timezone.now())
        frame.image.save("f.jpg", ContentFile(data), save=True)
        tasks.analyze_frame.apply(args=[frame.pk]).get()
    theirs = Alert.objects.get(attempt=carol, kind=AlertKind.LEFT_SEAT)
    others = Alert.objects.get(attempt=dave, kind=AlertKind.LEFT_SEAT)
    assert theirs.severity == Severity.LOW
    assert others.severity > Severity.LOW


def test_the_proctor_sees_the_accommodation_on_the_tile_and_the_review_page(
    personas: Personas,
) -> None:
    carol = record(personas, extra_minutes=15, may_leave_seat="on")
    tile = next(t for t in summaries.room_snapshot(personas.room_a.pk) if t["id"] == carol.pk)
    assert tile["accommodation"] == {
        "extra_minutes": 15,
        "screen_reader": False,
        "may_leave_seat": True,
    }
    page = signed_in(personas.paula).get(reverse("proctoring:review", args=[carol.pk]))
    body = page.content.decode()
    assert 'id="review-accommodation"' in body and "Recorded" in body
    console = signed_in(personas.paula).get(reverse("proctoring:room", args=[personas.room_a.pk]))
    assert 'data-key="may_leave_seat"' in console.content.decode()


def test_the_exam_window_cannot_shrink_below_a_granted_accommodation(personas: Personas) -> None:
    from exams import exam_setup

    registration = carols(personas)
    assert (
        post(signed_in(personas.sam), registration, extra_minutes=60, reason="x").status_code == 302
    )
    exam = Exam.objects.get(pk=personas.formal.pk)
    too_short = exam.opens_at + exam.duration + dt.timedelta(minutes=59)
    with pytest.raises(exam_setup.SetupRefused) as refused:
        exam_setup.update_exam(exam, {"closes_at": too_short}, by=personas.oscar)
    assert "Carol has 60 extra minutes" in str(refused.value.message)
    exam.refresh_from_db()
    assert exam.closes_at == personas.formal.closes_at  # nothing written
    assert not AuditEntry.objects.filter(action="exam.updated").exists()
    just_enough = exam.opens_at + exam.duration + dt.timedelta(minutes=60)
    assert exam_setup.update_exam(exam, {"closes_at": just_enough}, by=personas.oscar) == [
        "closes_at"
    ]
