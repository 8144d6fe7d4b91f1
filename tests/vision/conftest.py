"""Shared data and helpers of the vision tests. The models are real and load once per test
session (module-level caches in vision.faces and vision.objects)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

pytest.importorskip("face_recognition", reason="the vision extra is not installed")


def shared(*parts: str) -> Path:
    path = Path(settings.SHARED_DATA_DIR).joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data missing: {path}")
    return path


def face_bytes(name: str) -> bytes:
    return shared("faces", name).read_bytes()


def scene(name: str) -> np.ndarray:
    from vision.images import load_image

    return load_image(shared("scenes", name).read_bytes())


def encoding_of(name: str) -> np.ndarray:
    from vision import faces
    from vision.images import load_image

    image = load_image(face_bytes(name))
    return faces.encode(image, faces.detect_faces(image)[0])


def clip_frames(name: str, start: int, count: int, step: int = 1) -> list[np.ndarray]:
    from vision.video import read_y4m

    frames = list(read_y4m(shared("video", name), limit=start + count * step))
    return frames[start::step][:count]


def registered_photo(*parts: str, box: tuple[int, int, int, int] | None = None) -> bytes:
    """A 295×413 registered ID photo made from a real photograph of the shared data: the
    picture (or its ``box``) scaled to the photo's width on a red background, as the photo
    rules of the registration ask."""
    import io

    from PIL import Image

    from candidates import photos

    picture = Image.open(shared(*parts)).convert("RGB")
    if box is not None:
        picture = picture.crop(box)
    picture.thumbnail((photos.WIDTH, photos.HEIGHT))
    canvas = Image.new("RGB", (photos.WIDTH, photos.HEIGHT), (220, 20, 30))
    canvas.paste(picture, ((photos.WIDTH - picture.width) // 2, photos.HEIGHT - picture.height))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=92)
    return out.getvalue()
