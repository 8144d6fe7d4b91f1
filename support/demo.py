"""Demo data of support for ``manage.py seed_demo``: phone numbers for the demo candidates (so
passcodes can be scheduled and re-issued) and one conversation waiting in the support queue."""

from __future__ import annotations

from candidates.models import Candidate
from centres.models import Site
from support.models import Conversation, Message


def seed(site: Site) -> list[str]:
    candidates = list(Candidate.objects.filter(site=site).order_by("id_number"))
    for number, candidate in enumerate(candidates, start=1):
        if not candidate.phone:
            Candidate.objects.filter(pk=candidate.pk).update(phone=f"1380000{number:04d}")
    if candidates and not Conversation.objects.filter(candidate=candidates[0]).exists():
        conversation = Conversation.objects.create(candidate=candidates[0], site=site)
        Message.objects.create(
            conversation=conversation,
            author=candidates[0].user,
            from_staff=False,
            body="您好，设备调试时摄像头没有画面，浏览器也没有弹出授权提示，怎么办？",
        )
    return ["Support: one conversation waits at /support/ (site administrators, organisation)."]
