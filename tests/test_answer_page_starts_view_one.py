"""The candidate's answer page starts view 1 towards the configured media process."""

from __future__ import annotations

import html
import json
import re
import time
from typing import Any

from django.test import Client

from exams.models import Attempt
from proctoring import ice


def test_the_answer_page_loads_the_view_one_script_with_the_media_address(
    settings: Any, carol_client: Client, carol_attempt: Attempt
) -> None:
    settings.WEBRTC_WS_BASE = "wss://media.example.org"
    page = carol_client.get("/exam/answer/", follow=True).content.decode()
    assert 'data-media-ws="wss://media.example.org"' in page
    assert "js/view1.js" in page
    assert 'id="view1-status"' in page


def test_the_answer_page_carries_ice_servers_with_the_candidates_turn_credential(
    settings: Any, carol_client: Client, carol_attempt: Attempt
) -> None:
    settings.WEBRTC_TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.WEBRTC_TURN_SECRET = "north-wind"
    settings.WEBRTC_ICE_TRANSPORT_POLICY = "relay"
    page = carol_client.get("/exam/answer/", follow=True).content.decode()
    attribute = re.search(r'data-ice="([^"]*)"', page)
    assert attribute is not None
    configuration = json.loads(html.unescape(attribute.group(1)))
    assert configuration["iceTransportPolicy"] == "relay"
    (turn,) = configuration["iceServers"]
    assert turn["urls"] == ["turn:turn.example.org:3478?transport=udp"]
    user_id = carol_attempt.registration.candidate.user_id
    expiry, who = turn["username"].split(":")
    assert who == f"user-{user_id}" and int(expiry) > time.time()
    assert turn["credential"] == ice.turn_credential("north-wind", who, 0, now=int(expiry))[1]
