"""A printed-photo replay (one still repeated as a burst) fails liveness."""

from __future__ import annotations

import numpy as np

from tests.vision.conftest import encoding_of, face_bytes
from vision.images import load_image
from vision.liveness import verify_burst


def test_a_still_photo_repeated_as_a_burst_fails_liveness() -> None:
    photo = load_image(face_bytes("obama_2.jpg"))
    result = verify_burst([photo] * 8, encoding_of("obama_1.jpg"), "turn_head")
    assert not result.live
    assert not result.passed
    assert result.problem_code == "not_live"
    assert "Non-living" in result.problem or "活体" in result.problem


def test_a_photo_with_camera_noise_still_fails_the_blink_challenge() -> None:
    photo = load_image(face_bytes("obama_2.jpg")).astype(np.int16)
    rng = np.random.default_rng(3)
    noisy = [
        np.clip(photo + rng.integers(-6, 7, photo.shape), 0, 255).astype(np.uint8) for _ in range(6)
    ]
    result = verify_burst(noisy, encoding_of("obama_1.jpg"), "blink")
    assert not result.live
    assert not result.passed
