"""The support chat (R-EXAM-11): messages are written to PostgreSQL first, then the channel
layer tells the sockets to read them. Bodies are plain text: pages show them with ``textContent``
or Django's escaping, never as HTML."""

from __future__ import annotations

import unicodedata
from typing import Any, TypedDict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Greatest
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Candidate
from core import ratelimit
from core.errors import Refused
from support import events
from support.models import Conversation, Message, is_support_staff
from support.services import transition_to
from support.statuses import ConversationStatus


class ChatRefused(Refused):
    """A message the server will not take; ``code`` tells the client why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


class MessageData(TypedDict):
    id: int
    body: str
    from_staff: bool
    author: str
    at: str


class QueueRow(TypedDict):
    id: int
    candidate: str
    masked_id_number: str
    unread: int
    last_message_at: str
    last_message: str


def clean_body(raw: Any) -> str:
    """The message as it will be stored, or ``ChatRefused`` for an empty, over-long or
    malformed one. Line breaks and tabs are kept; other control characters are refused."""
    if not isinstance(raw, str):
        raise ChatRefused("invalid", _("A message must be text."))
    body = raw.replace("\r\n", "\n").strip()
    if not body:
        raise ChatRefused("empty", _("Write a message first."))
    limit = settings.SUPPORT_CHAT_MAX_CHARS
    if len(body) > limit:
        raise ChatRefused(
            "too_long", _("A message can have at most %(n)s characters.") % {"n": limit}
        )
    for char in body:
        if char in "\n\t":
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise ChatRefused("invalid", _("The message contains characters that cannot be sent."))
    return body


def _within_rate(user: Any) -> bool:
    return ratelimit.hit(
        "support-chat",
        str(user.pk),
        limit=settings.SUPPORT_CHAT_MESSAGES_PER_MINUTE,
        fail_open=True,
    )


def open_conversation_of(user: Any) -> Conversation | None:
    return Conversation.objects.filter(candidate__user=user).open().first()


def _site_of(candidate: Candidate) -> int | None:
    if candidate.site_id:
        return candidate.site_id
    registration = candidate.registrations.select_related("room").order_by("-id").first()
    return registration.room.site_id if registration else None


def _conversation_for_writing(candidate: Candidate) -> Conversation:
    existing = Conversation.objects.filter(candidate=candidate).open().first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Conversation.objects.create(candidate=candidate, site_id=_site_of(candidate))
    except IntegrityError:  # two tabs wrote the first message at once
        return Conversation.objects.filter(candidate=candidate).open().get()


def post_from_candidate(user: Any, raw: Any) -> Message:
    """Store a candidate's message in their open conversation, starting one when none is open."""
    body = clean_body(raw)
    if not _within_rate(user):
        raise ChatRefused("rate_limited", _("You are sending messages too fast. Wait a moment."))
    candidate = Candidate.objects.filter(user=user).first()
    if candidate is None:
        raise ChatRefused("no_candidate", _("Only candidates can write to support here."))
    with transaction.atomic():
        conversation = _conversation_for_writing(candidate)
        message = Message.objects.create(
            conversation=conversation, author=user, from_staff=False, body=body
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=message.created_at, candidate_read_upto=message.pk
        )
        events.publish_on_commit(conversation.pk, conversation.site_id)
    return message


def post_from_staff(user: Any, conversation_id: int, raw: Any) -> Message:
    """Store a support answer in a conversation ``user`` may see; a closed conversation (or one
    that is gone or no longer theirs) takes no more answers."""
    body = clean_body(raw)
    if not _within_rate(user):
        raise ChatRefused("rate_limited", _("You are sending messages too fast. Wait a moment."))
    with transaction.atomic():
        conversation = (
            Conversation.objects.visible_to(user)
            .select_for_update()
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is None or conversation.status != ConversationStatus.OPEN:
            raise ChatRefused("closed", _("This conversation is closed."))
        message = Message.objects.create(
            conversation=conversation, author=user, from_staff=True, body=body
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=message.created_at, staff_read_upto=message.pk
        )
        events.publish_on_commit(conversation.pk, conversation.site_id)
    return message


def check_upto(upto: Any) -> None:
    if not isinstance(upto, int) or isinstance(upto, bool) or upto < 0:
        raise ChatRefused("invalid", _("Malformed message."))


def mark_read(user: Any, conversation_id: int, upto: Any) -> None:
    """Note that ``user``'s side has read the conversation up to message ``upto``."""
    check_upto(upto)
    conversation = Conversation.objects.visible_to(user).filter(pk=conversation_id).first()
    if conversation is None:
        return
    newest = conversation.messages.aggregate(n=Max("id"))["n"] or 0
    upto = min(upto, newest)
    field = "staff_read_upto" if is_support_staff(user) else "candidate_read_upto"
    updated = Conversation.objects.filter(pk=conversation.pk).update(
        **{field: Greatest(field, upto)}
    )
    if updated and field == "staff_read_upto":
        events.publish(conversation.pk, conversation.site_id)  # the queue's unread count fell


def close(user: Any, conversation: Conversation, *, request: HttpRequest | None = None) -> bool:
    moved = transition_to(
        conversation,
        ConversationStatus.CLOSED,
        actor=user,
        request=request,
        closed_at=timezone.now(),
    )
    if moved:
        events.publish_on_commit(conversation.pk, conversation.site_id)
    return moved


def serialise(message: Message) -> MessageData:
    author = _("Technical support") if message.from_staff else ""
    if message.from_staff and message.author is not None:
        author = f"{_('Technical support')} · {message.author.first_name or ''}".rstrip(" ·")
    return {
        "id": message.pk,
        "body": message.body,
        "from_staff": message.from_staff,
        "author": author,
        "at": timezone.localtime(message.created_at).isoformat(),
    }


def messages_after(conversation_id: int, after_id: int = 0, limit: int = 200) -> list[MessageData]:
    """The conversation's messages after ``after_id``, oldest first (the last ``limit``)."""
    rows = list(
        Message.objects.filter(conversation_id=conversation_id, pk__gt=after_id)
        .select_related("author")
        .order_by("-id")[:limit]
    )
    return [serialise(m) for m in reversed(rows)]


def queue(user: Any) -> list[QueueRow]:
    """The open conversations ``user`` answers, the ones waiting longest for an answer first."""
    rows = (
        Conversation.objects.visible_to(user)
        .open()
        .with_unread()
        .select_related("candidate")
        .order_by("-unread", "last_message_at")[:200]
    )
    result: list[QueueRow] = []
    for conversation in rows:
        last = conversation.messages.order_by("-id").first()
        result.append(
            {
                "id": conversation.pk,
                "candidate": conversation.candidate.name,
                "masked_id_number": conversation.candidate.masked_id_number,
                "unread": conversation.unread,  # type: ignore[attr-defined]
                "last_message_at": timezone.localtime(conversation.last_message_at).isoformat(),
                "last_message": (last.body[:80] if last else ""),
            }
        )
    return result
