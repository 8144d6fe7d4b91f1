"""The support screens render for support staff and candidates reach the chat from every page;
other sites' conversations are 404, other roles get 403; old support records are purged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from support.models import Conversation, DeviceCheck, Message
from support.tasks import purge_old_records
from tests.personas import Personas


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/support/",
        "/support/?status=all",
        "/support/attempts/?status=answering",
        "/support/makeup/?status=all",
        "/support/passcodes/",
        "/support/device-checks/?result=passed",
    ],
)
def test_every_support_list_renders_for_the_sites_administrator_and_refuses_proctors(
    personas: Personas, path: str
) -> None:
    response = staff_client(personas.sam).get(path)
    assert response.status_code == 200
    assert "/support/attempts/" in response.content.decode()  # the support sub-navigation
    assert staff_client(personas.paula).get(path).status_code == 403
    assert staff_client(personas.ingrid).get(path).status_code == 403


def test_support_staff_have_a_nav_link_and_candidates_the_chat_widget_on_their_pages(
    personas: Personas, carol_client: Client
) -> None:
    assert (
        'href="/support/"' in staff_client(personas.sam).get("/support/attempts/").content.decode()
    )
    page = carol_client.get("/exam/", follow=True).content.decode()
    assert 'id="support-widget"' in page and "/ws/support/chat/" in page
    assert "/support/device-check/" in page  # the information step links the device check
    assert 'id="support-widget"' not in staff_client(personas.sam).get("/support/").content.decode()


def test_the_conversation_page_shows_the_candidate_to_their_site_only(personas: Personas) -> None:
    conversation = Conversation.objects.create(candidate=personas.carol, site=personas.site)
    Message.objects.create(conversation=conversation, from_staff=False, body="<b>help</b>")
    listing = (
        staff_client(personas.sam)
        .post("/support/", {"search": "1", "q": "Carol"}, follow=True)
        .content.decode()
    )
    assert f"/support/conversations/{conversation.pk}/" in listing
    page = staff_client(personas.sam).get(f"/support/conversations/{conversation.pk}/")
    assert page.status_code == 200
    assert f"/ws/support/conversations/{conversation.pk}/" in page.content.decode()
    assert (
        staff_client(personas.olga).get(f"/support/conversations/{conversation.pk}/").status_code
        == 404
    )
    assert f"/support/conversations/{conversation.pk}/" not in (
        staff_client(personas.olga).get("/support/?status=all").content.decode()
    )
    response = staff_client(personas.olga).post(f"/support/conversations/{conversation.pk}/close/")
    assert response.status_code == 404
    conversation.refresh_from_db()
    assert conversation.status == "open"


def test_old_conversations_and_device_checks_are_purged(personas: Personas) -> None:
    long_ago = timezone.now() - dt.timedelta(days=400)
    old = Conversation.objects.create(
        candidate=personas.carol, site=personas.site, status="closed", closed_at=long_ago
    )
    Message.objects.create(conversation=old, from_staff=False, body="old")
    recent = Conversation.objects.create(candidate=personas.dave, site=personas.site)
    DeviceCheck.objects.create(
        candidate=personas.carol,
        created_at=long_ago,
        browser_ok=True,
        camera="ok",
        microphone="ok",
        passed=True,
    )
    result = purge_old_records()
    assert result["conversations"] >= 1 and result["device_checks"] == 1
    assert list(Conversation.objects.all()) == [recent]
    assert not Message.objects.exists()
