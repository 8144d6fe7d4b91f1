"""Staff sign in with username and password; failures slow the username and the address down
and never lock; an account staff locked by hand is unlocked by staff (R-EMG-1). The same
delay guards ``/admin/login/``."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEntry
from tests.personas import PASSWORD, Personas


def sign_in(client: Client, username: str, password: str):
    return client.post("/accounts/sign-in/", {"username": username, "password": password})


def lock(user: User, settings) -> None:
    """Lock ``user`` as staff do by hand (failed sign-ins no longer lock)."""
    User.objects.filter(pk=user.pk).update(locked_at=timezone.now())
    user.refresh_from_db()
    assert user.is_locked


def admin_sign_in(client: Client, username: str, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def test_a_proctor_signs_in_and_lands_on_the_console(personas: Personas) -> None:
    client = Client()
    response = sign_in(client, "paula", PASSWORD)
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 302  # home sends proctors on
    assert client.get("/proctor/").status_code == 200


def test_a_wrong_password_is_refused_and_counted(personas: Personas) -> None:
    response = sign_in(Client(), "paula", "wrong password")
    assert response.status_code == 400
    personas.paula.refresh_from_db()
    assert personas.paula.failed_logins == 1


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(personas: Personas) -> None:
    unknown = sign_in(Client(), "nobody", "wrong password")
    wrong = sign_in(Client(), "paula", "wrong password")
    assert unknown.status_code == wrong.status_code == 400
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()


def test_a_locked_account_cannot_sign_in_even_with_the_right_password(
    personas: Personas, settings
) -> None:
    lock(personas.paula, settings)
    client = Client()
    response = sign_in(client, "paula", PASSWORD)
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    wrong = sign_in(Client(), "pete", "wrong password")  # nothing says the account is locked
    assert response.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()


def test_wrong_passwords_slow_down_but_never_lock_or_sign_out(personas: Personas, settings) -> None:
    paula = Client()
    assert sign_in(paula, "paula", PASSWORD).status_code == 302
    statuses = [sign_in(Client(), "paula", "wrong password").status_code for _ in range(10)]
    assert statuses[: settings.LOGIN_FREE_FAILURES] == [400] * settings.LOGIN_FREE_FAILURES
    assert 429 in statuses
    personas.paula.refresh_from_db()
    assert not personas.paula.is_locked
    assert not AuditEntry.objects.filter(action="account.locked").exists()
    assert paula.get("/proctor/").status_code == 200  # her open session goes on


def test_a_throttled_staff_sign_in_says_when_to_try_again_and_checks_nothing(
    personas: Personas, settings
) -> None:
    for _ in range(settings.LOGIN_FREE_FAILURES + 1):
        sign_in(Client(), "paula", "wrong password")
    response = sign_in(Client(), "paula", PASSWORD)  # even the right password waits
    assert response.status_code == 429
    message = " ".join(response.context["form"].non_field_errors())
    assert any(ch.isdigit() for ch in message)
    assert sign_in(Client(), "pete", PASSWORD).status_code == 302  # another name is not held up


def test_the_admin_sign_in_is_slowed_down_the_same_way(personas: Personas, settings) -> None:
    User.objects.filter(pk=personas.oscar.pk).update(is_staff=True)
    for _ in range(settings.LOGIN_FREE_FAILURES + 1):
        assert admin_sign_in(Client(), "oscar", "wrong password").status_code == 200
    client = Client()
    response = admin_sign_in(client, "oscar", PASSWORD)
    assert response.status_code == 200  # the form again, not a signed-in redirect
    errors = " ".join(response.context["form"].non_field_errors())
    assert any(ch.isdigit() for ch in errors)
    assert "_auth_user_id" not in client.session
    personas.oscar.refresh_from_db()
    assert not personas.oscar.is_locked
    # The admin and the staff page share the count: failures on one slow the other down.
    assert sign_in(Client(), "oscar", PASSWORD).status_code == 429


def test_failures_on_the_staff_page_slow_the_admin_sign_in_too(
    personas: Personas, settings
) -> None:
    User.objects.filter(pk=personas.oscar.pk).update(is_staff=True)
    for _ in range(settings.LOGIN_FREE_FAILURES + 1):
        sign_in(Client(), "oscar", "wrong password")
    client = Client()
    assert admin_sign_in(client, "oscar", PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session


def test_candidates_cannot_use_the_staff_sign_in(personas: Personas) -> None:
    user = personas.carol.user
    user.set_password(PASSWORD)
    user.save()
    assert sign_in(Client(), user.username, PASSWORD).status_code == 400


def test_the_site_administrator_unlocks_an_account_of_their_site(
    personas: Personas, settings
) -> None:
    lock(personas.paula, settings)
    client = Client()
    client.force_login(personas.sam)
    page = client.get("/accounts/locked/")
    assert page.status_code == 200
    assert "Paula" in page.content.decode()
    response = client.post(f"/accounts/users/{personas.paula.pk}/unlock/")
    assert response.status_code == 302
    personas.paula.refresh_from_db()
    assert not personas.paula.is_locked and personas.paula.failed_logins == 0
    entry = AuditEntry.objects.get(action="account.unlocked")
    assert entry.actor == personas.sam and entry.target_id == str(personas.paula.pk)
    assert sign_in(Client(), "paula", PASSWORD).status_code == 302


def test_a_site_administrator_unlocks_their_candidates(personas: Personas, settings) -> None:
    User.objects.filter(pk=personas.carol.user.pk).update(locked_at="2026-01-01T00:00:00Z")
    client = Client()
    client.force_login(personas.sam)
    assert client.post(f"/accounts/users/{personas.carol.user.pk}/unlock/").status_code == 302
    personas.carol.user.refresh_from_db()
    assert not personas.carol.user.is_locked


def test_another_sites_administrator_cannot_unlock_or_see_the_account(
    personas: Personas, settings
) -> None:
    lock(personas.paula, settings)
    client = Client()
    client.force_login(personas.olga)
    assert "Paula" not in client.get("/accounts/locked/").content.decode()
    assert client.post(f"/accounts/users/{personas.paula.pk}/unlock/").status_code == 404
    personas.paula.refresh_from_db()
    assert personas.paula.is_locked
    assert not AuditEntry.objects.filter(action="account.unlocked").exists()


def test_proctors_and_inspectors_may_not_unlock(personas: Personas, settings) -> None:
    lock(personas.paula, settings)
    for user in (personas.pete, personas.ingrid):
        client = Client()
        client.force_login(user)
        assert client.post(f"/accounts/users/{personas.paula.pk}/unlock/").status_code == 403
    personas.paula.refresh_from_db()
    assert personas.paula.is_locked


def test_unlock_refuses_get(personas: Personas) -> None:
    client = Client()
    client.force_login(personas.sam)
    assert client.get(f"/accounts/users/{personas.paula.pk}/unlock/").status_code == 405


def test_sign_in_requires_a_csrf_token(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    assert sign_in(client, "paula", PASSWORD).status_code == 403


def test_the_next_parameter_cannot_redirect_off_site(personas: Personas) -> None:
    response = Client().post(
        "/accounts/sign-in/?next=https://evil.example/", {"username": "paula", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
