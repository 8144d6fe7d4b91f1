"""The candidate's answer page starts view 1 towards the configured media process."""

from __future__ import annotations

from typing import Any

from django.test import Client

from exams.models import Attempt


def test_the_answer_page_loads_the_view_one_script_with_the_media_address(
    settings: Any, carol_client: Client, carol_attempt: Attempt
) -> None:
    settings.WEBRTC_WS_BASE = "wss://media.example.org"
    page = carol_client.get("/exam/answer/", follow=True).content.decode()
    assert 'data-media-ws="wss://media.example.org"' in page
    assert "js/view1.js" in page
    assert 'id="view1-status"' in page
