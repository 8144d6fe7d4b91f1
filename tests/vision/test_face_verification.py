"""1:1 verification on the shared faces: same person verifies, different people do not, and a
burst of video frames is decided by median and majority, not one frame."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.vision.conftest import clip_frames, encoding_of, shared
from vision import faces
from vision.liveness import verify_burst

SAME = [
    ("obama_1.jpg", "obama_2.jpg"),
    ("biden_1.jpg", "biden_2.jpg"),
    ("alex_lacamoire_1.jpg", "alex_lacamoire_3.jpg"),
    ("lin_manuel_miranda_1.jpg", "lin_manuel_miranda_2.jpg"),
]
DIFFERENT = [
    ("lin_manuel_miranda_1.jpg", "obama_2.jpg"),
    ("alex_lacamoire_2.jpg", "obama_2.jpg"),
    ("biden_1.jpg", "obama_1.jpg"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_same_person_pairs_verify(a: str, b: str) -> None:
    d = faces.distance(encoding_of(a), encoding_of(b))
    assert d < 0.55
    assert d <= settings.VISION_FACE_DISTANCE_THRESHOLD


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_person_pairs_do_not_verify(a: str, b: str) -> None:
    d = faces.distance(encoding_of(a), encoding_of(b))
    assert d > 0.65
    assert d > settings.VISION_FACE_DISTANCE_THRESHOLD


def test_a_live_burst_of_the_enrolled_person_passes_the_head_turn_challenge() -> None:
    # Frames 14-34 of the clip: the singer turns his head from one side to the other.
    frames = clip_frames("talking_face_640x360_15fps.y4m", 14, 10, step=2)
    result = verify_burst(frames, encoding_of("lin_manuel_miranda_1.jpg"), "turn_head")
    assert result.live, result.detail
    assert result.passed, (result.distances, result.problem)
    assert result.distance is not None and result.distance < settings.VISION_FACE_DISTANCE_THRESHOLD


def test_the_same_burst_does_not_verify_against_another_person() -> None:
    frames = clip_frames("talking_face_640x360_15fps.y4m", 14, 10, step=2)
    result = verify_burst(frames, encoding_of("obama_1.jpg"), "turn_head")
    assert not result.passed
    assert result.problem_code == "mismatch"


def test_verify_face_command_prints_distances_and_the_decision(capsys) -> None:
    import json

    call_command(
        "verify_face",
        str(shared("faces", "obama_1.jpg")),
        str(shared("faces", "obama_2.jpg")),
        str(shared("faces", "obama_3.jpg")),
        str(shared("faces", "biden_1.jpg")),
        "--json",
    )
    out = json.loads(capsys.readouterr().out)
    assert out["decision"] == "match"
    assert [c["match"] for c in out["captures"]] == [True, True, False]
