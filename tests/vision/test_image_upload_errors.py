"""Bad uploads get a clear error, never a crashed worker."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.vision.conftest import face_bytes
from vision.faces import count_faces
from vision.images import ImageError, load_image


def test_a_zero_byte_file_is_refused_as_empty() -> None:
    with pytest.raises(ImageError) as caught:
        load_image(b"")
    assert caught.value.code == "empty"


def test_a_text_file_is_refused_as_not_an_image() -> None:
    with pytest.raises(ImageError) as caught:
        count_faces(b"%PDF-1.4 this is not a picture at all")
    assert caught.value.code == "not_image"


def test_a_truncated_jpeg_is_refused_as_corrupt() -> None:
    data = face_bytes("obama_1.jpg")
    with pytest.raises(ImageError) as caught:
        load_image(data[: len(data) // 3])
    assert caught.value.code == "corrupt"


def test_a_50_megapixel_image_is_refused_before_decoding() -> None:
    out = io.BytesIO()
    Image.new("L", (10000, 5000)).save(out, format="PNG")
    with pytest.raises(ImageError) as caught:
        load_image(out.getvalue())
    assert caught.value.code == "too_large"
    assert "50" in caught.value.message


def test_a_real_photo_loads_as_rgb() -> None:
    image = load_image(face_bytes("obama_1.jpg"))
    assert image.shape == (1137, 910, 3)
