"""A subject's bank lists its questions with search, filters and pages; subjects are created
from the list page."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from questionbank.models import Subject
from tests import qbank_builders as build
from tests.personas import PASSWORD, Personas


@pytest.fixture
def oscar(personas: Personas) -> Client:
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    return client


@pytest.fixture
def subject(personas: Personas) -> Subject:
    subject = Subject.objects.create(code="02141", name="计算机网络技术")
    build.single(subject, chapter="第一章")
    build.multiple(subject, chapter="第二章", difficulty=5)
    build.true_false(subject, chapter="第二章")
    build.fill_in(subject, chapter="第三章", difficulty=1)
    build.short_answer(subject, retired=True)
    return subject


def shown(client: Client, subject: Subject, query: str = "") -> list[str]:
    response = client.get(f"/questionbank/{subject.code}/{query}")
    assert response.status_code == 200
    return [q.kind for q in response.context["page"].object_list]


def test_the_bank_shows_the_questions_in_use_by_default(oscar: Client, subject: Subject) -> None:
    assert shown(oscar, subject) == ["single", "multiple", "true_false", "fill_in"]


def test_search_finds_words_in_text_and_options(oscar: Client, subject: Subject) -> None:
    assert shown(oscar, subject, "?q=首都") == ["single"]
    assert shown(oscar, subject, "?q=深圳") == ["single"]  # an option
    assert shown(oscar, subject, "?q=HTTPS+端口") == ["fill_in"]


def test_filters_narrow_by_kind_difficulty_chapter_and_status(
    oscar: Client, subject: Subject
) -> None:
    assert shown(oscar, subject, "?kind=true_false") == ["true_false"]
    assert shown(oscar, subject, "?difficulty=5") == ["multiple"]
    assert shown(oscar, subject, "?chapter=第二章") == ["multiple", "true_false"]
    assert shown(oscar, subject, "?status=retired") == ["short_answer"]
    assert len(shown(oscar, subject, "?status=all")) == 5


def test_a_bad_filter_value_shows_nothing_rather_than_failing(
    oscar: Client, subject: Subject
) -> None:
    assert shown(oscar, subject, "?difficulty=9") == []
    assert shown(oscar, subject, "?kind=%00") == []


def test_the_bank_is_paginated_and_keeps_the_filters(oscar: Client, personas: Personas) -> None:
    subject = Subject.objects.create(code="BIG", name="大题库")
    for n in range(55):
        build.single(subject, text=f"第 {n} 题", chapter="一")
    first = oscar.get("/questionbank/BIG/?chapter=一")
    assert len(first.context["page"].object_list) == 50
    assert "chapter=%E4%B8%80&amp;page=2" in first.content.decode()
    second = oscar.get("/questionbank/BIG/?chapter=一&page=2")
    assert len(second.context["page"].object_list) == 5
    assert oscar.get("/questionbank/BIG/?page=999").status_code == 200


def test_a_subject_is_created_from_the_list_and_audited(oscar: Client) -> None:
    response = oscar.post("/questionbank/", {"code": "00015", "name": "英语（二）"})
    assert response.status_code == 302
    subject = Subject.objects.get(code="00015")
    assert AuditEntry.objects.filter(action="subject.created", target_id=str(subject.pk)).exists()
    listed = oscar.get("/questionbank/").content.decode()
    assert "英语（二）" in listed


@pytest.mark.parametrize("code", ["", "有空格 的", "../x", "a" * 41])
def test_a_bad_subject_code_is_refused_with_a_message(oscar: Client, code: str) -> None:
    response = oscar.post("/questionbank/", {"code": code, "name": "x"})
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    assert not Subject.objects.filter(name="x").exists()


def test_a_duplicate_subject_code_is_refused(oscar: Client, subject: Subject) -> None:
    response = oscar.post("/questionbank/", {"code": subject.code, "name": "again"})
    assert response.status_code == 400
    assert Subject.objects.filter(code=subject.code).get().name == subject.name
