"""The staff's chat queue and one conversation with a candidate (R-EXAM-11); the live chat
itself runs over WebSockets (``support.consumers``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from core import search_terms
from exams.models import Registration
from support import chat
from support.models import Conversation, DeviceCheck
from support.statuses import ConversationStatus
from support.views.base import SUPPORT, candidate_search, paginate, rooms_of


@role_required(*SUPPORT)
def conversations(request: HttpRequest) -> HttpResponse:
    searched = search_terms.handle(request, keep=("status",))
    if searched is not None:
        return searched
    status = request.GET.get("status", ConversationStatus.OPEN)
    q = search_terms.term(request)
    rows = (
        Conversation.objects.visible_to(request.user)
        .with_unread()
        .select_related("candidate", "site")
        .filter(candidate_search("candidate", q))
    )
    if status in ConversationStatus.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "support/conversations.html",
        {
            "page": paginate(request, rows.order_by("-unread", "-last_message_at")),
            "status": status,
            "q": q,
            "statuses": ConversationStatus.choices,
        },
    )


@role_required(*SUPPORT)
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = get_object_or_404(
        Conversation.objects.visible_to(request.user).select_related("candidate", "site"),
        pk=conversation_id,
    )
    candidate = found.candidate
    return render(
        request,
        "support/conversation.html",
        {
            "conversation": found,
            "candidate": candidate,
            "registrations": Registration.objects.filter(candidate=candidate)
            .filter(room__in=rooms_of(request.user))
            .select_related("exam", "room"),
            "device_check": DeviceCheck.objects.filter(candidate=candidate).first(),
            "max_chars": settings.SUPPORT_CHAT_MAX_CHARS,
            "socket_url": f"/ws/support/conversations/{found.pk}/",
        },
    )


@require_POST
@role_required(*SUPPORT)
def close_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = get_object_or_404(Conversation.objects.visible_to(request.user), pk=conversation_id)
    if found.status == ConversationStatus.OPEN:
        chat.close(request.user, found, request=request)
        messages.success(request, _("The conversation is closed."))
    return redirect("support:conversations")
