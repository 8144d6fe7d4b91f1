"""ICE servers from the settings (proctoring.ice): coturn's REST-API credentials (username
"<expiry>:<user>", password base64(HMAC-SHA1(secret, username))), the list the pages and the media
process get, and the production filter of remote candidates (private, loopback, link-local)."""

from __future__ import annotations

import json
import subprocess
import sys
from html import unescape
from typing import Any

import aioice.ice
import pytest
from aiortc import RTCIceServer
from django.template import Context, Template
from django.test import RequestFactory

from proctoring import ice
from proctoring.media import peers
from tests.test_env import COMPLETE, run_prod_settings

# Computed once outside Python, with
# `printf '%s' '1700003600:user-42' | openssl dgst -sha1 -hmac 'north-wind' -binary | base64`).
KNOWN_USERNAME = "1700003600:user-42"
KNOWN_CREDENTIAL = "ZL9ISVs63FFGID0vFtMFGXeyOfA="


def test_the_credential_is_coturns_rest_api_scheme() -> None:
    username, credential = ice.turn_credential("north-wind", "user-42", 3600, now=1_700_000_000)
    assert username == KNOWN_USERNAME
    assert credential == KNOWN_CREDENTIAL


def test_another_secret_or_user_gives_another_credential() -> None:
    _, credential = ice.turn_credential("south-wind", "user-42", 3600, now=1_700_000_000)
    username, other = ice.turn_credential("north-wind", "user-43", 3600, now=1_700_000_000)
    assert credential != KNOWN_CREDENTIAL and other != KNOWN_CREDENTIAL
    assert username == "1700003600:user-43"


def test_no_server_is_configured_by_default() -> None:
    assert ice.ice_servers("user-1") == []
    assert peers.ice_servers() == []


@pytest.fixture
def configured(settings: Any) -> Any:
    settings.WEBRTC_STUN_URLS = ["stun:turn.example:3478"]
    settings.WEBRTC_TURN_URLS = ["turn:turn.example:3478?transport=udp", "turns:turn.example:5349"]
    settings.WEBRTC_TURN_SECRET = "north-wind"
    settings.WEBRTC_TURN_TTL_SECONDS = 3600
    return settings


def test_stun_and_turn_with_fresh_credentials(configured: Any) -> None:
    servers = ice.ice_servers("user-42", now=1_700_000_000)
    assert servers == [
        {"urls": ["stun:turn.example:3478"]},
        {
            "urls": ["turn:turn.example:3478?transport=udp", "turns:turn.example:5349"],
            "username": KNOWN_USERNAME,
            "credential": KNOWN_CREDENTIAL,
        },
    ]


def test_turn_without_its_secret_is_left_out(configured: Any) -> None:
    configured.WEBRTC_TURN_SECRET = ""
    assert ice.ice_servers("user-42") == [{"urls": ["stun:turn.example:3478"]}]


def test_the_media_process_gets_the_same_servers_as_aiortc_objects(configured: Any) -> None:
    configured.MEDIA_PROCESS_ID = "media-a"
    stun, turn = peers.ice_servers()
    assert isinstance(turn, RTCIceServer)
    assert stun.urls == ["stun:turn.example:3478"] and stun.username is None
    assert turn.urls == configured.WEBRTC_TURN_URLS
    assert turn.username is not None and turn.username.endswith(":media-media-a")
    expected = ice.turn_credential(
        "north-wind", "media-media-a", 3600, now=int(turn.username.split(":")[0]) - 3600
    )
    assert turn.credential == expected[1]


def test_the_page_attribute_carries_servers_and_policy(
    configured: Any, django_user_model: Any
) -> None:
    configured.WEBRTC_ICE_TRANSPORT_POLICY = "relay"
    user = django_user_model(pk=7, username="someone")
    request = RequestFactory().get("/")
    request.user = user
    html = Template('{% load live_media %}<div data-ice="{% media_ice %}"></div>').render(
        Context({"request": request})
    )
    assert "&quot;" in html  # escaped into the attribute
    value = json.loads(unescape(html.split('data-ice="')[1].split('"')[0]))
    assert value["iceTransportPolicy"] == "relay"
    turn = value["iceServers"][1]
    assert turn["username"].endswith(":user-7")
    expiry = int(turn["username"].split(":")[0])
    assert turn["credential"] == ice.turn_credential("north-wind", "user-7", 0, now=expiry)[1]


@pytest.mark.parametrize(
    ("host", "public"),
    [
        ("203.0.113.9", False),  # documentation range: reserved, not routable
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.20", False),
        ("100.64.0.7", False),  # carrier-grade NAT
        ("127.0.0.1", False),
        ("::1", False),
        ("169.254.10.1", False),
        ("fe80::1", False),
        ("fd00::5", False),
        ("::ffff:192.168.1.1", False),
        ("0.0.0.0", False),  # noqa: S104 (an address checked, nothing bound)
        ("1d6f3c2a-0b8e-4f5e-9c1a-2b3c4d5e6f70.local", False),  # Chromium's mDNS name
    ],
)
def test_which_addresses_count_as_public(host: str, public: bool) -> None:
    assert peers.is_public(host) is public


OFFER = "\r\n".join(
    [
        "v=0",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "a=candidate:1 1 udp 2122260223 192.168.1.20 50000 typ host",
        "a=candidate:2 1 udp 1686052607 8.8.4.4 50001 typ srflx raddr 192.168.1.20 rport 50000",
        "a=candidate:3 1 udp 2122260223 127.0.0.1 50002 typ host",
        "a=candidate:4 1 udp 41885439 8.8.8.8 60000 typ relay raddr 8.8.4.4 rport 50001",
        "a=candidate:5 1 udp 2122260223 abc.local 50003 typ host",
        "",
    ]
)


def _kept(sdp: str) -> list[str]:
    return [line.split()[4] for line in sdp.splitlines() if line.startswith("a=candidate:")]


def test_production_drops_private_loopback_and_link_local_candidates(settings: Any) -> None:
    settings.WEBRTC_ICE_PUBLIC_ONLY = True
    assert _kept(peers.allowed_sdp(OFFER)) == ["8.8.4.4", "8.8.8.8"]
    for line in (
        "1 1 udp 2122260223 192.168.1.20 50000 typ host",
        "candidate:3 1 udp 2122260223 127.0.0.1 50002 typ host",
        "candidate:9 1 udp 2122260223 169.254.3.4 50002 typ host",
    ):
        assert peers.parse_candidate(line, "0", 0) is None
    kept = peers.parse_candidate("candidate:4 1 udp 41885439 8.8.8.8 60000 typ relay", "0", 0)
    assert kept is not None and kept.ip == "8.8.8.8" and kept.type == "relay"


def test_without_the_filter_every_candidate_is_tried(settings: Any) -> None:
    settings.WEBRTC_ICE_PUBLIC_ONLY = False
    settings.WEBRTC_ICE_LOOPBACK_ONLY = False
    assert peers.allowed_sdp(OFFER) == OFFER
    assert peers.parse_candidate("candidate:1 1 udp 1 192.168.1.20 5 typ host", "0", 0) is not None


def test_the_advertised_host_addresses_are_the_setting(settings: Any) -> None:
    settings.WEBRTC_ICE_HOST_ADDRESSES = ["198.51.100.4"]
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["198.51.100.4"]


def test_production_turns_the_filter_on_and_wants_the_turn_secret() -> None:
    check = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.WEBRTC_ICE_PUBLIC_ONLY)"
    )
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.prod", **COMPLETE}
    out = subprocess.run(
        [sys.executable, "-c", check], env=base, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0 and out.stdout.strip() == "True", out.stderr
    no_secret = run_prod_settings({**COMPLETE, "WEBRTC_TURN_URLS": "turn:turn.example:3478"})
    assert no_secret.returncode != 0 and "WEBRTC_TURN_SECRET" in no_secret.stderr
    bad_policy = run_prod_settings({**COMPLETE, "WEBRTC_ICE_TRANSPORT_POLICY": "relays"})
    assert bad_policy.returncode != 0 and "WEBRTC_ICE_TRANSPORT_POLICY" in bad_policy.stderr
