"""An attempt's evidence files, a frame's picture and an audio chunk, come from one view
(proctoring.evidence_views.evidence_file): each with its own type, to the staff who may see the
attempt, the same 404 to staff who may not, nothing to anyone signed out or for a POST."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from exams.models import Attempt
from proctoring.models import AudioChunk, EvidenceFrame
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def test_frames_and_audio_are_served_by_one_view_to_whoever_may_see_the_attempt(
    personas: Personas, carol_attempt: Attempt, settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    frame = EvidenceFrame(attempt=carol_attempt, kind=EvidenceFrame.Kind.SNAPSHOT)
    frame.image.save("f.jpg", ContentFile(b"\xff\xd8\xff\xe0 a jpeg"), save=True)
    chunk = AudioChunk(attempt=carol_attempt)
    chunk.audio.save("a.wav", ContentFile(b"RIFF a wav"), save=True)
    files = {
        f"/vision/evidence/{frame.pk}/": ("image/jpeg", b"\xff\xd8\xff\xe0 a jpeg"),
        f"/vision/evidence/audio/{chunk.pk}/": ("audio/wav", b"RIFF a wav"),
    }

    proctor = Client()
    proctor.force_login(personas.paula)
    for url, (content_type, data) in files.items():
        response = proctor.get(url)
        assert response.status_code == 200 and response["Content-Type"] == content_type
        assert b"".join(cast(Any, response).streaming_content) == data
        assert proctor.post(url).status_code == 405
    # The other kind's number is not a way in: a frame's pk under audio is a missing chunk.
    missing = max(frame.pk, chunk.pk) + 1000
    assert proctor.get(f"/vision/evidence/audio/{missing}/").status_code == 404
    assert proctor.get(f"/vision/evidence/{missing}/").status_code == 404

    for outsider in (personas.olga, personas.pete):
        other = Client()
        other.force_login(outsider)
        for url in files:
            assert other.get(url).status_code == 404
    for url in files:
        assert Client().get(url).status_code in (302, 403)
