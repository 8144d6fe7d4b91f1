"""Retiring and restoring a question is audited and happens once however often it is asked."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from questionbank.models import Question, Subject
from tests import qbank_builders as build
from tests.personas import PASSWORD, Personas


@pytest.fixture
def oscar(personas: Personas) -> Client:
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    return client


@pytest.fixture
def question(personas: Personas) -> Question:
    return build.single(Subject.objects.create(code="00015", name="英语（二）"))


def test_a_retired_question_leaves_the_active_bank_and_is_audited(
    oscar: Client, question: Question
) -> None:
    response = oscar.post(
        f"/questionbank/questions/{question.pk}/retire/", {"back": "kind=single&page=1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/questionbank/00015/?kind=single&page=1"
    question.refresh_from_db()
    assert question.retired
    assert not question.subject.questions.active().exists()
    entry = AuditEntry.objects.get(action="question.retired")
    assert entry.target_id == str(question.pk) and entry.actor_label == "oscar"


def test_retiring_twice_writes_one_audit_row(oscar: Client, question: Question) -> None:
    oscar.post(f"/questionbank/questions/{question.pk}/retire/")
    oscar.post(f"/questionbank/questions/{question.pk}/retire/")
    assert AuditEntry.objects.filter(action="question.retired").count() == 1


def test_a_restored_question_is_in_use_again(oscar: Client, question: Question) -> None:
    oscar.post(f"/questionbank/questions/{question.pk}/retire/")
    oscar.post(f"/questionbank/questions/{question.pk}/restore/")
    question.refresh_from_db()
    assert not question.retired
    assert AuditEntry.objects.filter(action="question.restored").count() == 1


def test_the_way_back_never_leaves_the_bank(oscar: Client, question: Question) -> None:
    response = oscar.post(
        f"/questionbank/questions/{question.pk}/retire/", {"back": "next=//evil.example&q=a"}
    )
    assert response["Location"] == "/questionbank/00015/?q=a"


def test_retiring_needs_a_post(oscar: Client, question: Question) -> None:
    assert oscar.get(f"/questionbank/questions/{question.pk}/retire/").status_code == 405
