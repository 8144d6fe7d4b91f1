from __future__ import annotations

from django.urls import path

from proctoring.consumers import ProctorRoomConsumer

websocket_urlpatterns = [
    path("ws/proctor/rooms/<int:room_id>/", ProctorRoomConsumer.as_asgi()),
]
