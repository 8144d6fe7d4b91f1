"""A site administrator gives each of their rooms its proctors on the site page, choosing from
the site's own proctor accounts only; the change is audited, and another site's administrator
can touch neither the room nor its proctors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.test import Client

from accounts.roles import Role
from audit.models import AuditEntry
from centres.models import Room
from tests.personas import PASSWORD, staff

if TYPE_CHECKING:
    from tests.personas import Personas


def client_of(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_a_site_admin_assigns_their_rooms_proctors_from_their_site(personas: Personas):
    outsider = staff("otto", Role.PROCTOR, personas.other_site)
    sam = client_of("sam")
    url = f"/sites/{personas.site.pk}/rooms/{personas.room_a.pk}/proctors/"
    page = sam.get(f"/sites/{personas.site.pk}/").content.decode()
    assert f'action="{url}"' in page
    assert f'value="{personas.pete.pk}"' in page and f'value="{outsider.pk}"' not in page

    response = sam.post(url, {"proctors": [personas.pete.pk, outsider.pk]})
    assert response.status_code == 302
    assert set(personas.room_a.proctors.all()) == {personas.pete}  # paula off, otto ignored
    entry = AuditEntry.objects.get(action="room.proctors_changed")
    assert entry.actor == personas.sam
    assert list(Room.objects.visible_to(personas.pete).order_by("code")) == [
        personas.room_a,
        personas.room_b,
    ]
    assert not Room.objects.visible_to(personas.paula).exists()


def test_another_site_cannot_assign_or_be_assigned(personas: Personas):
    olga = client_of("olga")
    url = f"/sites/{personas.site.pk}/rooms/{personas.room_a.pk}/proctors/"
    assert olga.post(url, {"proctors": []}).status_code == 404
    assert set(personas.room_a.proctors.all()) == {personas.paula}
    foreign = Room.objects.create(site=personas.other_site, code="Z", name="Z")
    sam = client_of("sam")
    # A room of S2 through S1's address, or S2's address: neither exists for sam.
    assert sam.post(f"/sites/{personas.site.pk}/rooms/{foreign.pk}/proctors/").status_code == 404
    assert (
        sam.post(f"/sites/{personas.other_site.pk}/rooms/{foreign.pk}/proctors/").status_code == 404
    )
    assert client_of("paula").post(url, {"proctors": []}).status_code == 403
    assert not AuditEntry.objects.filter(action="room.proctors_changed").exists()
