"""Frame analysis on the shared scenes turns into the expected alerts."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from proctoring.alerts import findings
from proctoring.models import AlertKind, AlertRules
from tests.vision.conftest import encoding_of, scene, shared
from vision import analysis


def kinds(name: str, view: int = 1, enrolled=None) -> set[str]:
    result = analysis.analyse(scene(name), view=view, enrolled=enrolled)
    return set(findings(result, AlertRules.defaults()))


@pytest.mark.parametrize("name", ["person_phone_1.jpg", "person_laptop_1.jpg"])
def test_the_phone_and_laptop_scenes_raise_a_device_alert(name: str) -> None:
    assert AlertKind.DEVICE in kinds(name)


@pytest.mark.parametrize(
    "name", ["empty_room_1.jpg", "empty_room_laptop_1.jpg", "empty_desk_1.jpg"]
)
def test_empty_rooms_raise_left_seat(name: str) -> None:
    assert AlertKind.LEFT_SEAT in kinds(name)


@pytest.mark.parametrize("name", ["face_masked_1.jpg", "face_covered_hand_1.jpg"])
def test_a_covered_or_masked_face_is_reported(name: str) -> None:
    assert AlertKind.FACE_COVERED in kinds(name)


def test_an_uncovered_face_of_the_enrolled_candidate_raises_nothing_about_the_face() -> None:
    found = kinds("face_partial_cropped_1.jpg", enrolled=encoding_of("obama_1.jpg"))
    assert not found & {AlertKind.FACE_COVERED, AlertKind.DIFFERENT_PERSON, AlertKind.LEFT_SEAT}


def test_someone_else_in_the_seat_is_a_different_person() -> None:
    assert AlertKind.DIFFERENT_PERSON in kinds(
        "face_masked_1.jpg", enrolled=encoding_of("obama_1.jpg")
    )


def test_several_faces_raise_extra_person() -> None:
    assert AlertKind.EXTRA_PERSON in kinds("face_masked_mixed_1.jpg")


def test_the_result_names_models_and_times_each_stage() -> None:
    result = analysis.analyse(scene("person_laptop_1.jpg"), enrolled=encoding_of("obama_1.jpg"))
    assert {"objects", "faces", "landmarks", "encoding", "total"} <= set(result.timings_ms)
    assert "yolov8n" in result.models["objects"]
    assert result.faces.count == 1
    assert any(d.label == "laptop" for d in result.devices)


def test_analyze_frame_command_prints_the_structured_result(capsys) -> None:
    call_command("analyze_frame", str(shared("scenes", "person_phone_1.jpg")), "--json")
    out = json.loads(capsys.readouterr().out)
    assert "device" in out["alerts"]
    assert any(d["label"] == "cell phone" for d in out["devices"])


def test_an_exams_rules_choose_the_alert_types_and_thresholds() -> None:
    result = analysis.analyse(scene("person_phone_1.jpg"))
    only_devices = AlertRules.defaults()
    only_devices.enabled = [AlertKind.DEVICE]
    assert set(findings(result, only_devices)) == {AlertKind.DEVICE}
    strict = AlertRules.defaults()
    strict.device_min_confidence = 0.5  # the phone is seen at 0.47
    assert AlertKind.DEVICE not in findings(result, strict)
