from __future__ import annotations

from django.urls import path

from proctoring.candidate_consumer import AttemptChannelConsumer
from proctoring.consumers import ProctorRoomConsumer
from support.consumers import CandidateChatConsumer, StaffChatConsumer, SupportQueueConsumer

websocket_urlpatterns = [
    path("ws/proctor/rooms/<int:room_id>/", ProctorRoomConsumer.as_asgi()),
    path("ws/attempts/<int:attempt_id>/", AttemptChannelConsumer.as_asgi()),
    path("ws/support/chat/", CandidateChatConsumer.as_asgi()),
    path("ws/support/conversations/<int:conversation_id>/", StaffChatConsumer.as_asgi()),
    path("ws/support/queue/", SupportQueueConsumer.as_asgi()),
]
