"""A WebSocket server with a script, for the browser test of static/js/live_socket.js: run by
Daphne as its own process so that the test can kill it and start it again on the same port.

Each connection of a process follows the next step of its ``SOCKET_SCRIPT`` (comma-separated):
``ok`` accepts, says ``{"type": "hello", "n": <connection number>}`` and echoes what it gets; a
number accepts and closes at once with that close code. Past the script's end every connection
is ``ok``. ``GET /healthz`` answers 200 once the process listens; ``GET /`` is an empty page of
the same origin (Chromium refuses a blank page's sockets to a loopback address)."""

from __future__ import annotations

import json
import os
from typing import Any

connections = 0


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global connections
    if scope["type"] == "http":
        status = 200 if scope["path"] in ("/", "/healthz") else 404
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"<!doctype html><title>socket</title>"})
        return
    if scope["type"] != "websocket":
        return
    connections += 1
    number = connections
    script = os.environ.get("SOCKET_SCRIPT", "").split(",")
    step = script[number - 1] if number <= len(script) and script[number - 1] else "ok"
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    if step != "ok":
        await send({"type": "websocket.close", "code": int(step)})
        return
    await send({"type": "websocket.send", "text": json.dumps({"type": "hello", "n": number})})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text"):
            await send({"type": "websocket.send", "text": message["text"]})
