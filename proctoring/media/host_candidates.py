"""Where the media process's ICE host candidates live: a fixed UDP port range and, behind 1:1 NAT,
an announced public address (``WEBRTC_ICE_PORT_MIN``/``MAX``, ``WEBRTC_ICE_ANNOUNCED_ADDRESS``).

A container reaches candidates only through the ports it publishes, and its own interface
address (a bridge network's 172.x) means nothing to a browser. aioice has no setting for either:
it binds each host candidate's socket with ``loop.create_datagram_endpoint(local_addr=(address,
0))`` inside ``Connection.get_component_candidates`` and announces the address it bound. So
that method is wrapped: while it gathers, the running loop's ``create_datagram_endpoint`` binds a
free port of the range instead of port 0 (a context variable limits this to aioice's gathering;
TURN allocations and everything else bind as before), and the host candidates it returns are
announced with the public address. The sockets stay bound to the real interface, so
connectivity checks arriving on the published port reach them.
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import logging
import random
from typing import Any

import aioice.ice
from aioice.candidate import Candidate
from django.conf import settings

logger = logging.getLogger(__name__)

_port_range: contextvars.ContextVar[range | None] = contextvars.ContextVar(
    "webrtc_port_range", default=None
)
_original_get_component_candidates = aioice.ice.Connection.get_component_candidates


def port_range() -> range | None:
    """The configured host-candidate ports, or None for any port."""
    low, high = int(settings.WEBRTC_ICE_PORT_MIN), int(settings.WEBRTC_ICE_PORT_MAX)
    return range(low, high + 1) if low and high else None


async def bind_in_range(
    create: Any, protocol_factory: Any, host: str, ports: range, **kwargs: Any
) -> Any:
    """``create(protocol_factory, local_addr=(host, port))`` on the first free port of
    ``ports``, starting at a random one so that consecutive peers rarely race for one port;
    OSError when every port is taken (aioice then skips the address and logs it)."""
    start = random.randrange(len(ports))  # noqa: S311  (spreading, not secrecy)
    for i in range(len(ports)):
        port = ports[(start + i) % len(ports)]
        try:
            return await create(protocol_factory, local_addr=(host, port), **kwargs)
        except OSError:
            continue
    logger.warning("no free UDP port for an ICE host candidate on %s in %s", host, ports)
    raise OSError(f"no free UDP port on {host} in {ports.start}-{ports.stop - 1}")


def _bind_within_range(loop: asyncio.AbstractEventLoop) -> None:
    """Make ``loop.create_datagram_endpoint`` honour the port range while aioice gathers (once
    per loop)."""
    if getattr(loop, "_webrtc_port_range_installed", False):
        return
    original = loop.create_datagram_endpoint

    async def create_datagram_endpoint(
        protocol_factory: Any, local_addr: tuple[str, int] | None = None, **kwargs: Any
    ) -> Any:
        ports = _port_range.get()
        if ports is None or local_addr is None or local_addr[1] != 0:
            return await original(protocol_factory, local_addr=local_addr, **kwargs)
        return await bind_in_range(original, protocol_factory, local_addr[0], ports, **kwargs)

    loop.create_datagram_endpoint = create_datagram_endpoint  # type: ignore[method-assign,assignment]
    loop._webrtc_port_range_installed = True  # type: ignore[attr-defined]


def announced(candidate: Candidate) -> Candidate:
    """The host candidate as the browser must see it: the announced address, same port. Only a
    candidate of the announced address's IP version is rewritten (published ports forward IPv4
    to the container's IPv4 sockets)."""
    address = str(settings.WEBRTC_ICE_ANNOUNCED_ADDRESS)
    if not address or candidate.type != "host" or not _same_version(address, candidate.host):
        return candidate
    return Candidate(
        foundation=candidate.foundation,
        component=candidate.component,
        transport=candidate.transport,
        priority=candidate.priority,
        host=address,
        port=candidate.port,
        type=candidate.type,
        generation=candidate.generation,
    )


def _same_version(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a).version == ipaddress.ip_address(b).version
    except ValueError:
        return False


async def get_component_candidates(
    self: aioice.ice.Connection, component: int, addresses: list[str], timeout: int = 5
) -> list[Candidate]:
    ports = port_range()
    if ports is not None:
        _bind_within_range(asyncio.get_running_loop())
    token = _port_range.set(ports)
    try:
        candidates = await _original_get_component_candidates(self, component, addresses, timeout)
    finally:
        _port_range.reset(token)
    return [announced(candidate) for candidate in candidates]


def install() -> None:
    """Route aioice's host-candidate gathering through ``get_component_candidates`` (the
    settings are read on every gathering, so tests that change them need nothing else)."""
    aioice.ice.Connection.get_component_candidates = get_component_candidates  # type: ignore[method-assign]
