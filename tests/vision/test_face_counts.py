"""Faces are found in real photos: one per portrait, the right count in group photos."""

from __future__ import annotations

import pytest

from tests.vision.conftest import face_bytes, shared
from vision.faces import count_faces


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("obama_1.jpg", 1),
        ("headpose_male_1.jpg", 1),
        ("groups/obama_biden_1.jpg", 2),
        ("groups/obama_biden_2.jpg", 3),
        ("groups/three_people_1.jpg", 3),
    ],
)
def test_group_photos_give_the_right_face_counts(name: str, expected: int) -> None:
    assert count_faces(face_bytes(name)) == expected


def test_an_empty_room_has_no_face() -> None:
    assert count_faces(shared("scenes", "empty_room_1.jpg").read_bytes()) == 0
