"""Every page names the project's icon, which is served; /favicon.ico leads to it (no 404 on
every page)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/exam/sign-in/", "/accounts/sign-in/", "/no/such/page/"])
def test_pages_link_the_icon_and_it_is_served(path: str) -> None:
    client = Client()
    page = client.get(path).content.decode()
    found = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert found, page[:400]
    icon = client.get(found.group(1))
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content  # type: ignore[attr-defined]
    assert b"<svg" in body


def test_the_browsers_default_address_leads_to_the_icon() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
