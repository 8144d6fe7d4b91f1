"""An impostor alert needs ``VISION_IDENTITY_CONSECUTIVE_FRAMES`` analysed frames in a row that
show someone else (one blurred or turned face is not enough to accuse anyone), and a covered-face
alert ``VISION_COVERED_CONSECUTIVE_FRAMES`` (one blurred frame shows a person without a face),
replayed the way the analysis task does it: each frame's result is stored, then merged into the
alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from exams.models import Registration
from proctoring import alerts
from proctoring.models import Alert, AlertKind, EvidenceFrame, FrameAnalysis
from tests.personas import Personas, answering
from tests.vision.conftest import encoding_of, scene
from vision import analysis

pytestmark = pytest.mark.django_db


def replay(
    attempt, results, start: dt.datetime, kind: str = AlertKind.DIFFERENT_PERSON
) -> list[bool]:
    """Store and apply each result one second apart; whether an alert of ``kind`` (default: the
    impostor's) is open after each frame."""
    open_after = []
    for n, result in enumerate(results):
        at = start + dt.timedelta(seconds=n)
        frame = EvidenceFrame.objects.create(
            attempt=attempt, view=1, captured_at=at, image=ContentFile(b"jpeg", name="f.jpg")
        )
        FrameAnalysis.objects.create(frame=frame, result=result.to_json())
        alerts.apply(attempt, result, at=at, evidence=frame)
        open_after.append(Alert.objects.filter(attempt=attempt, kind=kind, status="open").exists())
    return open_after


def test_someone_else_is_reported_only_after_three_frames_in_a_row(
    personas: Personas, settings
) -> None:
    settings.VISION_IDENTITY_CONSECUTIVE_FRAMES = 3
    attempt = answering(Registration.objects.get(exam=personas.formal, candidate=personas.carol))
    enrolled = encoding_of("obama_1.jpg")
    stranger = analysis.analyse(scene("face_masked_1.jpg"), view=1, enrolled=enrolled)
    candidate = analysis.analyse(scene("face_partial_cropped_1.jpg"), view=1, enrolled=enrolled)
    assert AlertKind.DIFFERENT_PERSON in alerts.findings(
        stranger, alerts.rules_for(personas.formal)
    )

    start = timezone.now() - dt.timedelta(minutes=5)
    # Two strangers, the candidate again, then strangers: the run starts over after the candidate.
    sequence = [stranger, stranger, candidate, stranger, stranger, stranger]
    assert replay(attempt, sequence, start) == [False, False, False, False, False, True]


def test_a_covered_face_is_reported_only_after_two_frames_in_a_row(
    personas: Personas, settings
) -> None:
    settings.VISION_COVERED_CONSECUTIVE_FRAMES = 2
    attempt = answering(Registration.objects.get(exam=personas.formal, candidate=personas.carol))
    covered = analysis.analyse(scene("face_masked_1.jpg"), view=1)
    uncovered = analysis.analyse(scene("face_partial_cropped_1.jpg"), view=1)
    rules = alerts.rules_for(personas.formal)
    assert AlertKind.FACE_COVERED in alerts.findings(covered, rules)
    assert AlertKind.FACE_COVERED not in alerts.findings(uncovered, rules)

    start = timezone.now() - dt.timedelta(minutes=5)
    # One covered frame alone raises nothing; two in a row open the alert, which stays open
    # while the face is covered and closes on the first uncovered frame.
    sequence = [covered, uncovered, covered, covered, covered, uncovered]
    assert replay(attempt, sequence, start, AlertKind.FACE_COVERED) == [
        False,
        False,
        False,
        True,
        True,
        False,
    ]
    alert = Alert.objects.get(attempt=attempt, kind=AlertKind.FACE_COVERED)
    assert alert.count == 2 and alert.status == "closed"


@pytest.mark.parametrize(
    ("name", "kind"),
    [("person_phone_1.jpg", AlertKind.DEVICE), ("empty_room_1.jpg", AlertKind.LEFT_SEAT)],
)
def test_the_phones_view_is_analysed_and_raises_its_own_alerts(
    personas: Personas, name: str, kind: str
) -> None:
    """View 2 (the phone beside the candidate) goes through the same analysis task as view 1
    and raises the room-facing alerts on view 2; face checks belong to view 1 only."""
    from proctoring.tasks import analyze_frame
    from tests.vision.conftest import shared

    attempt = answering(Registration.objects.get(exam=personas.formal, candidate=personas.carol))
    frame = EvidenceFrame.objects.create(
        attempt=attempt,
        view=2,
        image=ContentFile(shared("scenes", name).read_bytes(), name="phone.jpg"),
    )
    outcome = analyze_frame(frame.pk)
    assert outcome is not None and kind in outcome["alerts"]
    alert = Alert.objects.get(attempt=attempt, kind=kind)
    assert alert.view == 2
    assert (
        not Alert.objects.filter(attempt=attempt, view=2)
        .exclude(kind__in=alerts.FRAME_KINDS[2])
        .exists()
    )
