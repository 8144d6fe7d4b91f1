"""Notifications of the support chat on the channel layer.

They carry no message text (events are notifications
only and may be dropped): a socket that hears ``chat.changed`` reads the new
messages from PostgreSQL, and one that reconnects reads the conversation again. One group per
conversation, one per site's support staff and one for the evaluation organisation.
"""

from __future__ import annotations

import logging
from typing import Literal, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

ORG_GROUP = "support.org"


class ChatChanged(TypedDict):
    type: Literal["chat.changed"]
    conversation: int


class QueueChanged(TypedDict):
    type: Literal["queue.changed"]


def conversation_group(conversation_id: int) -> str:
    return f"support.conversation.{conversation_id}"


def site_group(site_id: int | None) -> str:
    return f"support.site.{site_id or 0}"


def publish(conversation_id: int, site_id: int | None) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    changed: ChatChanged = {"type": "chat.changed", "conversation": conversation_id}
    queue: QueueChanged = {"type": "queue.changed"}
    try:
        async_to_sync(layer.group_send)(conversation_group(conversation_id), changed)
        async_to_sync(layer.group_send)(site_group(site_id), queue)
        async_to_sync(layer.group_send)(ORG_GROUP, queue)
    except Exception:  # a lost notification is repaired by the next read; never fail the write
        logger.exception("could not publish support chat change %s", conversation_id)


def publish_on_commit(conversation_id: int, site_id: int | None) -> None:
    transaction.on_commit(lambda: publish(conversation_id, site_id))
