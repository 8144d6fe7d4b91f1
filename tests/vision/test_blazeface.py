"""The frame analysis' face detector (BlazeFace on LiteRT) on the real shared photos and video:
the right number of faces where they are, boxes where dlib finds the same face, identity and
covering judged on its boxes as on dlib's, and the former HOG path still selectable."""

from __future__ import annotations

import pytest

from proctoring.alerts import findings
from proctoring.models import AlertKind, AlertRules
from tests.vision.conftest import clip_frames, encoding_of, face_bytes, scene, shared
from vision import analysis, blazeface, faces
from vision.images import load_image


@pytest.fixture(autouse=True)
def _weights() -> None:
    # Only the weights inside the mediapipe wheel are used; the package is never imported (it
    # is installed without its dependencies), so look for the files, not for the module.
    try:
        blazeface.weights_dir()
    except FileNotFoundError:
        pytest.fail("the BlazeFace weights (the mediapipe wheel, Makefile) are not installed")


def iou(a: faces.FaceBox, b: faces.FaceBox) -> float:
    width = max(0, min(a.right, b.right) - max(a.left, b.left))
    height = max(0, min(a.bottom, b.bottom) - max(a.top, b.top))
    inter = width * height
    return inter / (a.width * a.height + b.width * b.height - inter)


PORTRAITS = [
    "obama_1.jpg",
    "obama_2.jpg",
    "biden_1.jpg",
    "biden_2.jpg",
    "alex_lacamoire_1.jpg",
    "lin_manuel_miranda_1.jpg",
    "lin_manuel_miranda_2.jpg",
    "headpose_male_1.jpg",
]


@pytest.mark.parametrize("name", PORTRAITS)
def test_one_face_on_each_portrait_where_dlib_finds_it(name: str) -> None:
    image = load_image(face_bytes(name))
    found = faces.detect_faces_blaze(image)
    assert len(found) == 1
    assert iou(found[0], faces.detect_faces(image)[0]) > 0.5


@pytest.mark.parametrize(
    ("name", "count"),
    [("obama_biden_1.jpg", 2), ("obama_biden_2.jpg", 2), ("three_people_1.jpg", 3)],
)
def test_every_face_of_a_group(name: str, count: int) -> None:
    image = load_image(shared("faces", "groups", name).read_bytes())
    assert len(faces.detect_faces_blaze(image)) == count


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("empty_room_1.jpg", 0),
        ("empty_room_laptop_1.jpg", 0),
        ("empty_desk_1.jpg", 0),
        ("room_person_background_1.jpg", 0),  # a small standing figure, her face unseen
        ("face_masked_1.jpg", 1),  # a masked face is still a face (dlib's HOG misses it)
        ("face_masked_mixed_1.jpg", 3),
    ],
)
def test_the_scenes(name: str, count: int) -> None:
    assert len(faces.detect_faces_blaze(scene(name))) == count


def test_the_candidate_is_found_in_every_frame_of_the_webcam_clip() -> None:
    frames = clip_frames("webcam_head_pose_480x270_15fps.y4m", 0, 77, step=4)
    assert [len(faces.detect_faces_blaze(frame)) for frame in frames] == [1] * len(frames)


def test_identity_from_its_boxes_is_dlibs_own(settings) -> None:
    # The encoding's own 5-point alignment makes the box's exact edges matter little: the
    # distance to the enrolment is within a few hundredths of the one from dlib's box.
    threshold = settings.VISION_FACE_DISTANCE_THRESHOLD
    for clip, photo in [
        ("talking_face_640x360_15fps.y4m", "lin_manuel_miranda_1.jpg"),
        ("webcam_head_pose_480x270_15fps.y4m", "headpose_male_1.jpg"),
    ]:
        enrolled = encoding_of(photo)
        for frame in clip_frames(clip, 0, 3, step=16):
            blaze = faces.distance(
                enrolled, faces.encode(frame, faces.detect_faces_blaze(frame)[0])
            )
            hog = faces.distance(enrolled, faces.encode(frame, faces.detect_faces(frame)[0]))
            assert blaze < threshold and abs(blaze - hog) < 0.04
            stranger = faces.encode(frame, faces.detect_faces_blaze(frame)[0])
            assert faces.distance(encoding_of("obama_1.jpg"), stranger) > threshold


def test_the_analysis_uses_it_and_judges_covering_on_its_boxes() -> None:
    result = analysis.analyse(scene("face_masked_1.jpg"), state=analysis.StreamState())
    assert result.faces.count == 1
    assert result.covered is not None and result.covered.part == "mouth"
    assert AlertKind.FACE_COVERED in findings(result, AlertRules.defaults())


def test_a_face_turned_aside_is_seen_and_compared(settings) -> None:
    # dlib's HOG sees no face on this scene and so calls it covered; BlazeFace sees her turned
    # face, which is not the enrolled candidate's.
    kinds = set(
        findings(
            analysis.analyse(scene("person_phone_1.jpg"), enrolled=encoding_of("obama_1.jpg")),
            AlertRules.defaults(),
        )
    )
    assert {AlertKind.DEVICE, AlertKind.DIFFERENT_PERSON} <= kinds
    assert AlertKind.FACE_COVERED not in kinds
    settings.VISION_FACE_DETECTOR = "hog"
    hog = analysis.analyse(scene("person_phone_1.jpg"), enrolled=encoding_of("obama_1.jpg"))
    assert hog.faces.count == 0
    assert AlertKind.FACE_COVERED in findings(hog, AlertRules.defaults())


def test_a_misspelt_detector_is_refused_at_start(settings) -> None:
    from vision import checks

    assert checks.face_detector() == []
    settings.VISION_FACE_DETECTOR = "blaze"
    settings.VISION_BLAZEFACE_MODEL = "long"
    assert [e.id for e in checks.face_detector()] == ["vision.E002", "vision.E003"]
