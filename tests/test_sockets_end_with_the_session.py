"""A WebSocket ends with the session that opened it: signing out, deactivating the account or
changing its role closes the user's open sockets through their group, and a socket whose session
is gone closes itself on its next message even when that close never arrived."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.roles import Role
from config.asgi import application
from core.socket_sessions import CLOSE_SIGNED_OUT
from tests.personas import Personas

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.session[SESSION_KEY]
    return client


async def room_socket(personas: Personas, client: Client) -> WebsocketCommunicator:
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie)]
    socket = WebsocketCommunicator(
        application, f"/ws/proctor/rooms/{personas.room_a.pk}/", headers=headers
    )
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from(timeout=5))["type"] == "room.snapshot"
    return socket


async def closed_with(socket: WebsocketCommunicator) -> int:
    output = await socket.receive_output(timeout=5)
    assert output["type"] == "websocket.close", output
    return output["code"]


async def test_signing_out_closes_the_proctors_socket(personas: Personas) -> None:
    client = await sync_to_async(signed_in)(personas.paula)
    socket = await room_socket(personas, client)
    await sync_to_async(client.post)("/accounts/sign-out/")
    assert await closed_with(socket) == CLOSE_SIGNED_OUT


@pytest.mark.parametrize("change", ["deactivate", "role"])
async def test_a_locked_account_or_a_new_role_closes_the_socket(
    personas: Personas, change: str
) -> None:
    client = await sync_to_async(signed_in)(personas.paula)
    socket = await room_socket(personas, client)

    def edit() -> None:
        user = personas.paula
        if change == "deactivate":
            user.is_active = False
        else:
            user.role = Role.INSPECTOR
        user.save()

    await sync_to_async(edit)()
    assert await closed_with(socket) == CLOSE_SIGNED_OUT


async def test_a_socket_whose_session_is_gone_closes_on_its_next_message(
    personas: Personas,
) -> None:
    client = await sync_to_async(signed_in)(personas.paula)
    socket = await room_socket(personas, client)
    # The session disappears without a sign-out signal (expired, or deleted by an operator).
    await sync_to_async(client.session.delete)()
    await socket.send_json_to({"type": "snapshot"})
    assert await closed_with(socket) == CLOSE_SIGNED_OUT
