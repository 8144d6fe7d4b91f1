"""Staff accounts made through the pages: a site administrator gives a proctor a login from the
site page; the invitation goes out through the notification gateway (the file outbox, as on a
machine with no SMS provider) with a link that sets the password once and expires; nobody makes
accounts for a site they do not manage; the organisation makes site administrators. Forgotten
passwords are reset by a link without telling who has an account; signed-in staff change theirs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts import invitations, links
from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEntry
from centres.models import StaffMember
from notifications import services as notifications
from notifications.models import Delivery
from tests.personas import PASSWORD, Personas

NEW_PASSWORD = "quiet river lantern 42"


@pytest.fixture
def outbox(settings, tmp_path) -> Path:
    settings.NOTIFICATION_SMS_GATEWAY = "notifications.gateways.FileGateway"
    settings.NOTIFICATION_OUTBOX = str(tmp_path / "outbox.jsonl")
    return tmp_path / "outbox.jsonl"


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def delivered_link(outbox: Path, purpose: str, to: str) -> str:
    """Send the newest queued message as the worker does and return the link's path."""
    delivery = Delivery.objects.filter(purpose=purpose, recipient=to).first()
    assert delivery is not None, f"no {purpose} message to {to}"
    notifications.send(delivery.pk)
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    body = next(line["body"] for line in reversed(lines) if line["id"] == delivery.pk)
    url = re.search(r"https?://\S+", body)
    assert url is not None, body
    return "/" + url.group(0).split("/", 3)[3]


def set_password(link: str, password: str = NEW_PASSWORD) -> tuple[Client, Any]:
    client = Client()
    opened = client.get(link)
    assert opened.status_code == 302 and opened["Location"].endswith("/set-password/")
    form = client.get(opened["Location"])
    assert form.status_code == 200
    done = client.post(opened["Location"], {"new_password1": password, "new_password2": password})
    return client, done


def invite_proctor(admin: Client, site_id: int, username: str = "penny", **extra: str):
    return admin.post(
        f"/sites/{site_id}/staff/",
        {
            "kind": StaffMember.Kind.PROCTOR,
            "name": "潘老师",
            "phone": "13800000009",
            "username": username,
            **extra,
        },
    )


def test_a_site_admin_invites_a_proctor_who_sets_a_password_and_reaches_the_console(
    personas: Personas, outbox: Path
) -> None:
    sam = signed_in(personas.sam)
    page = sam.get(f"/sites/{personas.site.pk}/").content.decode()
    assert f'action="/sites/{personas.site.pk}/staff/"' in page  # the form is on the site page
    response = invite_proctor(sam, personas.site.pk)
    assert response.status_code == 302
    penny = User.objects.get(username="penny")
    assert (penny.role, penny.site_id) == (Role.PROCTOR, personas.site.pk)
    assert penny.phone == "13800000009"
    assert not penny.has_usable_password()
    assert StaffMember.objects.get(account=penny).name == "潘老师"
    assert AuditEntry.objects.filter(action="account.created", target_id=str(penny.pk)).exists()
    page = sam.get(f"/sites/{personas.site.pk}/").content.decode()
    assert 'data-login="penny"' in page

    link = delivered_link(outbox, links.INVITATION, "13800000009")
    proctor, done = set_password(link)
    assert done.status_code == 302 and done["Location"] == "/accounts/sign-in/"
    signed = proctor.post("/accounts/sign-in/", {"username": "penny", "password": NEW_PASSWORD})
    assert signed.status_code == 302
    home = proctor.get(signed["Location"])
    assert home.status_code == 302 and home["Location"] == "/proctor/"
    assert proctor.get("/proctor/").status_code == 200
    assert AuditEntry.objects.filter(action="account.invitation_accepted").count() == 1

    # The link worked once: opened again it explains and sets nothing.
    again = Client().get(link)
    assert again.status_code == 400
    assert "accounts/link_invalid.html" in [t.name for t in again.templates]


def test_an_invitation_link_expires(
    personas: Personas, outbox: Path, monkeypatch, settings
) -> None:
    invite_proctor(signed_in(personas.sam), personas.site.pk)
    link = delivered_link(outbox, links.INVITATION, "13800000009")
    later = dt.datetime.now() + dt.timedelta(hours=settings.ACCOUNT_INVITATION_HOURS, minutes=1)
    monkeypatch.setattr(links.invitation_tokens, "_now", lambda: later)
    assert Client().get(link).status_code == 400
    monkeypatch.undo()
    assert Client().get(link).status_code == 302  # the same link, inside its lifetime


def test_a_new_invitation_replaces_the_old_link(personas: Personas, outbox: Path) -> None:
    sam = signed_in(personas.sam)
    invite_proctor(sam, personas.site.pk)
    first = delivered_link(outbox, links.INVITATION, "13800000009")
    penny = User.objects.get(username="penny")
    sam.post(f"/sites/{personas.site.pk}/accounts/{penny.pk}/invite/")
    assert Client().get(first).status_code == 400
    second = delivered_link(outbox, links.INVITATION, "13800000009")
    _client, done = set_password(second)
    assert done.status_code == 302
    # Once the password is set, a new invitation is refused: it would lock her out.
    response = sam.post(f"/sites/{personas.site.pk}/accounts/{penny.pk}/invite/", follow=True)
    assert "penny" in response.content.decode()
    assert Delivery.objects.filter(purpose=links.INVITATION).count() == 2


def test_a_reset_link_does_not_open_the_invitation_page(personas: Personas, outbox: Path) -> None:
    invite_proctor(signed_in(personas.sam), personas.site.pk)
    link = delivered_link(outbox, links.INVITATION, "13800000009")
    assert Client().get(link.replace("/welcome/", "/password-reset/")).status_code == 400


def test_a_weak_password_is_refused_with_the_validators_message(
    personas: Personas, outbox: Path
) -> None:
    invite_proctor(signed_in(personas.sam), personas.site.pk)
    link = delivered_link(outbox, links.INVITATION, "13800000009")
    _client, response = set_password(link, "12345678")
    assert response.status_code == 400
    assert response.context["form"].errors["new_password2"]
    assert not User.objects.get(username="penny").has_usable_password()


def test_nobody_makes_a_login_for_a_site_they_do_not_manage(
    personas: Personas, outbox: Path
) -> None:
    olga = signed_in(personas.olga)  # site administrator of the other site
    assert invite_proctor(olga, personas.site.pk, username="intruder").status_code == 404
    member = StaffMember.objects.create(site=personas.site, kind="proctor", name="X", phone="1")
    response = olga.post(
        f"/sites/{personas.site.pk}/staff/{member.pk}/login/", {"username": "intruder"}
    )
    assert response.status_code == 404
    assert olga.post(f"/sites/{personas.site.pk}/admins/", {}).status_code == 403
    assert not User.objects.filter(username="intruder").exists()
    assert not Delivery.objects.exists()
    with pytest.raises(invitations.InvitationRefused):
        invitations.create(
            site=personas.site,
            role=Role.PROCTOR,
            username="intruder",
            full_name="X",
            phone="13800000001",
            by=personas.olga,
            request=None,  # type: ignore[arg-type]  # refused before any link is built
        )
    # A site administrator cannot make another site administrator, even for their own site.
    assert signed_in(personas.sam).post(f"/sites/{personas.site.pk}/admins/").status_code == 403


def errors_shown(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


def test_a_taken_username_or_no_contact_writes_nothing(personas: Personas, outbox: Path) -> None:
    sam = signed_in(personas.sam)
    taken = sam.post(
        f"/sites/{personas.site.pk}/staff/",
        {"kind": "proctor", "name": "潘老师", "phone": "13800000009", "username": "PAULA"},
        follow=True,
    )
    assert len(errors_shown(taken)) == 1
    no_contact = sam.post(
        f"/sites/{personas.site.pk}/staff/",
        {"kind": "proctor", "name": "无电话", "phone": "", "username": "nophone"},
        follow=True,
    )
    assert len(errors_shown(no_contact)) == 1
    assert not User.objects.filter(username="nophone").exists()
    assert not StaffMember.objects.exists()
    assert not Delivery.objects.exists()


def test_a_recorded_member_gets_a_login_later_and_loses_it_when_removed(
    personas: Personas, outbox: Path, settings
) -> None:
    settings.NOTIFICATION_EMAIL_GATEWAY = "notifications.gateways.DjangoEmailGateway"
    sam = signed_in(personas.sam)
    sam.post(f"/sites/{personas.site.pk}/staff/", {"kind": "evaluator", "name": "评老师"})
    member = StaffMember.objects.get(name="评老师")
    assert member.account is None
    sam.post(
        f"/sites/{personas.site.pk}/staff/{member.pk}/login/",
        {"username": "evan", "email": "evan@site.example"},
    )
    member.refresh_from_db()
    assert member.account is not None and member.account.email == "evan@site.example"
    assert Delivery.objects.get(purpose=links.INVITATION).channel == Delivery.Channel.EMAIL
    sam.post(f"/sites/{personas.site.pk}/staff/{member.pk}/delete/")
    assert not User.objects.get(username="evan").is_active


def test_the_organisation_makes_a_site_administrator(personas: Personas, outbox: Path) -> None:
    oscar = signed_in(personas.oscar)
    page = oscar.get(f"/sites/{personas.other_site.pk}/").content.decode()
    assert f'action="/sites/{personas.other_site.pk}/admins/"' in page
    oscar.post(
        f"/sites/{personas.other_site.pk}/admins/",
        {"full_name": "站点 管理员", "username": "stella", "phone": "13700000007"},
    )
    stella = User.objects.get(username="stella")
    assert (stella.role, stella.site_id) == (Role.SITE_ADMIN, personas.other_site.pk)
    link = delivered_link(outbox, links.INVITATION, "13700000007")
    client, done = set_password(link)
    assert done.status_code == 302
    client.post("/accounts/sign-in/", {"username": "stella", "password": NEW_PASSWORD})
    assert client.get(f"/sites/{personas.other_site.pk}/").status_code == 200
    assert client.get(f"/sites/{personas.site.pk}/").status_code == 404


def request_reset(client: Client, username: str):
    return client.post("/accounts/password-reset/", {"username": username})


def _without_csrf(html: str) -> str:
    return re.sub(r'(csrf-token" content|csrfmiddlewaretoken" value)="[^"]*"', "", html)


def test_a_forgotten_password_is_reset_by_a_link_without_enumeration(
    personas: Personas, outbox: Path
) -> None:
    User.objects.filter(pk=personas.paula.pk).update(phone="13600000006")
    client = Client()
    sign_in_page = client.get("/accounts/sign-in/").content.decode()
    assert 'href="/accounts/password-reset/"' in sign_in_page
    known = request_reset(client, "paula")
    unknown = request_reset(client, "nobody-here")
    candidate = request_reset(client, personas.carol.user.username)
    assert known.status_code == unknown.status_code == candidate.status_code == 200
    assert _without_csrf(known.content.decode()) == _without_csrf(unknown.content.decode())
    assert Delivery.objects.filter(purpose=links.PASSWORD_RESET).count() == 1

    link = delivered_link(outbox, links.PASSWORD_RESET, "13600000006")
    _client, done = set_password(link)
    assert done.status_code == 302
    assert not Client().login(username="paula", password=PASSWORD)
    assert Client().login(username="paula", password=NEW_PASSWORD)
    assert Client().get(link).status_code == 400  # used once
    assert AuditEntry.objects.filter(action="account.password_reset").count() == 1


def test_a_reset_link_expires(personas: Personas, outbox: Path, monkeypatch, settings) -> None:
    User.objects.filter(pk=personas.paula.pk).update(phone="13600000006")
    request_reset(Client(), "paula")
    link = delivered_link(outbox, links.PASSWORD_RESET, "13600000006")
    later = dt.datetime.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(links.reset_tokens, "_now", lambda: later)
    assert Client().get(link).status_code == 400


def test_reset_requests_are_rate_limited(personas: Personas, outbox: Path, settings) -> None:
    User.objects.filter(pk=personas.paula.pk).update(phone="13600000006")
    settings.PASSWORD_RESETS_PER_HOUR = 2
    for _ in range(3):  # the same answer each time; only two messages leave
        assert request_reset(Client(), "paula").status_code == 200
    assert Delivery.objects.filter(purpose=links.PASSWORD_RESET).count() == 2
    settings.PASSWORD_RESET_RATE_PER_MINUTE = 4
    client = Client()
    statuses = [request_reset(client, f"someone-{i}").status_code for i in range(2)]
    assert statuses == [200, 429]  # the address made its 4 requests this minute


def test_signed_in_staff_change_their_password(personas: Personas) -> None:
    sam = signed_in(personas.sam)
    page = sam.get("/").content.decode() + sam.get("/candidates/").content.decode()
    assert 'href="/accounts/password/"' in page
    wrong = sam.post(
        "/accounts/password/",
        {"old_password": "not it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    done = sam.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert sam.get("/candidates/").status_code == 200  # this session stays signed in
    assert Client().login(username="sam", password=NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="account.password_changed").count() == 1
    # Candidates have no password to change.
    carol = Client()
    carol.force_login(personas.carol.user, backend="accounts.backends.CandidateSessionBackend")
    assert carol.get("/accounts/password/").status_code == 403
