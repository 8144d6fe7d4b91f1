"""The organisation's catalogue starts from nothing: an evaluation organisation is added through
the page, then a certificate of it, and a bad form writes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from reference.models import Certificate, Major, Organisation
from tests.personas import PASSWORD


@pytest.fixture
def oscar(personas) -> Client:
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    return client


def test_an_organisation_then_its_certificate_are_added_through_the_page(oscar):
    response = oscar.post(
        "/cert/catalogue/",
        {
            "form": "organisation",
            "org-code": "NEWORG",
            "org-name": "新评价组织",
            "org-major_code_list": "new",
        },
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(code="NEWORG")
    assert AuditEntry.objects.filter(action="organisation.created").exists()
    major = Major.objects.create(code_list="new", code="510201", name="计算机应用技术")
    response = oscar.post(
        "/cert/catalogue/",
        {
            "form": "certificate",
            "cert-organisation": organisation.pk,
            "cert-code": "C-NEW",
            "cert-name": "新证书",
            "cert-level": "初级",
            "cert-majors": [major.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert Certificate.objects.get(code="C-NEW").organisation == organisation


def test_a_bad_organisation_form_is_refused_and_nothing_is_written(oscar):
    before = Organisation.objects.count()
    response = oscar.post("/cert/catalogue/", {"form": "organisation", "org-code": ""})
    assert response.status_code == 400
    assert Organisation.objects.count() == before
    response = oscar.post("/cert/catalogue/", {"form": "nonsense"})
    assert response.status_code == 302
    assert Organisation.objects.count() == before
