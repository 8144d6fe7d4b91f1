"""The media process's host candidates in a container: bound to a fixed UDP port range (the one
docker-compose.yml publishes) and announced with the public address (1:1 NAT), while the
sockets stay on the real interface, so a browser's connectivity checks still arrive."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from aioice.candidate import Candidate
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

from proctoring.media import host_candidates, peers

PUBLIC = "203.0.113.10"  # TEST-NET-3: never a real interface of this machine


def host_candidates_of(sdp: str) -> list[Any]:
    return [
        candidate_from_sdp(line.removeprefix("a=candidate:"))
        for line in sdp.splitlines()
        if line.startswith("a=candidate:") and " typ host" in line
    ]


def bound_ports(pc: RTCPeerConnection) -> list[tuple[str, int]]:
    """Where the peer's host-candidate sockets are really bound."""
    addresses = []
    for transceiver in pc.getTransceivers():
        connection = transceiver.receiver.transport.transport.iceGatherer._connection
        for protocol in connection._protocols:
            addresses.append(protocol.transport.get_extra_info("sockname")[:2])
    return addresses


@pytest.fixture
def container_like(settings: Any) -> Any:
    settings.WEBRTC_ICE_HOST_ADDRESSES = ["127.0.0.1"]
    settings.WEBRTC_ICE_PORT_MIN = 41000
    settings.WEBRTC_ICE_PORT_MAX = 41009
    return settings


async def offer_of(pc: RTCPeerConnection) -> str:
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    return str(pc.localDescription.sdp)


async def test_host_candidates_bind_in_the_range_and_announce_the_public_address(
    container_like: Any,
) -> None:
    container_like.WEBRTC_ICE_ANNOUNCED_ADDRESS = PUBLIC
    pcs = [peers.new_peer() for _ in range(3)]
    try:
        for pc in pcs:
            candidates = host_candidates_of(await offer_of(pc))
            assert candidates, "a host candidate is announced"
            assert {c.ip for c in candidates} == {PUBLIC}
            bound = bound_ports(pc)
            assert {host for host, _ in bound} == {"127.0.0.1"}
            assert {c.port for c in candidates} == {port for _, port in bound}
            assert all(41000 <= port <= 41009 for _, port in bound)
        every_port = [port for pc in pcs for _, port in bound_ports(pc)]
        assert len(set(every_port)) == len(every_port), "each peer has a port of its own"
    finally:
        for pc in pcs:
            await pc.close()


def test_only_a_candidate_of_the_announced_addresss_ip_version_is_rewritten(settings: Any) -> None:
    settings.WEBRTC_ICE_ANNOUNCED_ADDRESS = PUBLIC
    v4 = Candidate("1", 1, "udp", 100, "172.18.0.5", 40000, "host")
    v6 = Candidate("2", 1, "udp", 100, "fd00::5", 40001, "host")
    assert (host_candidates.announced(v4).host, host_candidates.announced(v4).port) == (
        PUBLIC,
        40000,
    )
    assert host_candidates.announced(v6) is v6


async def test_without_the_settings_aioice_picks_any_port_and_announces_what_it_bound(
    settings: Any,
) -> None:
    settings.WEBRTC_ICE_HOST_ADDRESSES = ["127.0.0.1"]
    pc = peers.new_peer()
    try:
        candidates = host_candidates_of(await offer_of(pc))
        assert {c.ip for c in candidates} == {"127.0.0.1"}
        assert [c.port for c in candidates] == [port for _, port in bound_ports(pc)]
    finally:
        await pc.close()


async def test_a_browser_connects_to_a_server_peer_on_a_port_of_the_range(
    container_like: Any,
) -> None:
    browser, server = RTCPeerConnection(), peers.new_peer()
    connected = asyncio.Event()

    @server.on("connectionstatechange")
    def _state() -> None:
        if server.connectionState == "connected":
            connected.set()

    try:
        browser.createDataChannel("probe")
        await browser.setLocalDescription(await browser.createOffer())
        await server.setRemoteDescription(
            RTCSessionDescription(browser.localDescription.sdp, "offer")
        )
        await server.setLocalDescription(await server.createAnswer())
        answer = server.localDescription.sdp
        assert all(41000 <= c.port <= 41009 for c in host_candidates_of(answer))
        await browser.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        await asyncio.wait_for(connected.wait(), timeout=15)
        assert server.sctp is not None
        transport = server.sctp.transport.transport
        pair = transport._connection._nominated[1]
        assert 41000 <= pair.local_addr[1] <= 41009
    finally:
        await browser.close()
        await server.close()


async def test_a_full_range_refuses_the_bind_instead_of_leaving_it() -> None:
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    loop = asyncio.get_running_loop()
    try:
        with pytest.raises(OSError, match="no free UDP port"):
            await host_candidates.bind_in_range(
                loop.create_datagram_endpoint,
                asyncio.DatagramProtocol,
                "127.0.0.1",
                range(port, port + 1),
            )
    finally:
        taken.close()
