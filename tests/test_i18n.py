"""zh-Hans first, English available; the compiled catalogue matches its source."""

from __future__ import annotations

from pathlib import Path

import polib  # type: ignore[import-untyped]
from django.conf import settings
from django.test import Client

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_is_translated() -> None:
    po = polib.pofile(str(CATALOGUE / "django.po"))
    missing = [entry.msgid for entry in po if not entry.translated()]
    assert missing == [], "translate these in django.po, then run `make messages`"


def test_the_compiled_catalogue_is_up_to_date() -> None:
    def key(entry: polib._BaseEntry) -> tuple[str, str]:
        return (entry.msgctxt or "", entry.msgid)

    def value(entry: polib._BaseEntry) -> object:
        return entry.msgstr or sorted(entry.msgstr_plural.items())

    po = {key(e): value(e) for e in polib.pofile(str(CATALOGUE / "django.po")) if e.translated()}
    mo = {key(e): value(e) for e in polib.mofile(str(CATALOGUE / "django.mo")) if e.msgid}
    assert po == mo, "django.mo is stale: run `make messages`"


def test_pages_are_in_chinese_by_default(db: None) -> None:
    page = Client().get("/exam/sign-in/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录考试" in page


def test_the_language_switch_selects_english(db: None) -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/exam/sign-in/"})
    assert response.status_code == 302
    page = client.get("/exam/sign-in/").content.decode()
    assert '<html lang="en">' in page
    assert "Sign in to an exam" in page
