"""The Config Key of a Safe Exam Browser configuration, derived the way SEB derives it, and the
refusal of files whose settings cannot be read (encrypted, not a plist, damaged).

Expected keys were computed outside the code under test with ``sha256sum`` over SEB-JSON text
written by hand (tests/fixtures/seb/README.md)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from exams import seb_files

FIXTURES = Path(__file__).parent / "fixtures" / "seb"
ALL_TYPES = (FIXTURES / "all_types.seb").read_bytes()
ALL_TYPES_KEY = "f49329183c8799fde0afb5f655b0a9a34e9b483fa66e3b22808fd7daab69e009"
# Files saved by SEB itself, with the key SEB computed for each, when the shared data has them:
# NAME.seb beside NAME.config-key (the key) and, optionally, NAME.seb-json (SEB's logged text).
# Real files made by SEB itself, in the shared data (the SHARED_DATA_DIR setting), never copied.
SHARED_SEB = Path(settings.SHARED_DATA_DIR) / "seb"
REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.usefixtures("english")


def test_the_seb_json_follows_seb_rules_for_every_value_type() -> None:
    expected = (FIXTURES / "all_types.seb-json").read_text(encoding="utf-8")
    assert seb_files.seb_json(seb_files.read_settings(ALL_TYPES)) == expected
    assert seb_files.config_key_of_file(ALL_TYPES) == ALL_TYPES_KEY


def test_an_empty_configuration_is_an_empty_dictionary() -> None:
    # SEB writes a dictionary as {} even when empty; "[]" (SHA-256 4f53cda1…) is what PHP's
    # json_encode gives an empty array, not what SEB hashes.
    empty = b'<?xml version="1.0"?><plist version="1.0"><dict/></plist>'
    assert seb_files.seb_json(seb_files.read_settings(empty)) == "{}"
    assert seb_files.config_key_of_file(empty) == (
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    )
    assert seb_files.config_key({}) != hashlib.sha256(b"[]").hexdigest()


def test_originator_version_does_not_change_the_key() -> None:
    without = ALL_TYPES.replace(
        b"<key>originatorVersion</key>\n    <string>SEB_Win_3.5.0</string>\n", b""
    )
    assert without != ALL_TYPES
    assert seb_files.config_key_of_file(without) == ALL_TYPES_KEY


def test_any_other_change_changes_the_key() -> None:
    changed = ALL_TYPES.replace(b"<integer>40</integer>", b"<integer>41</integer>")
    assert seb_files.config_key_of_file(changed) != ALL_TYPES_KEY


@pytest.mark.parametrize(
    "framing",
    [
        pytest.param(lambda xml: gzip.compress(xml), id="gzip"),
        pytest.param(lambda xml: gzip.compress(b"plnd" + gzip.compress(xml)), id="gzip-plnd-gzip"),
        pytest.param(lambda xml: b"plnd" + gzip.compress(xml), id="plnd-gzip"),
        pytest.param(lambda xml: b"\xef\xbb\xbf" + xml, id="utf8-bom"),
    ],
)
def test_every_unencrypted_framing_seb_writes_gives_the_same_key(framing) -> None:
    assert seb_files.config_key_of_file(framing(ALL_TYPES)) == ALL_TYPES_KEY


@pytest.mark.parametrize(
    ("prefix", "word"),
    [
        (b"pswd", "password"),
        (b"pwcc", "password"),
        (b"pkhs", "certificate"),
        (b"phsk", "certificate"),
    ],
)
def test_an_encrypted_file_is_refused_with_what_to_do(prefix: bytes, word: str) -> None:
    encrypted = gzip.compress(prefix + os.urandom(512))
    with pytest.raises(seb_files.SebFileRefused) as refused:
        seb_files.read_settings(encrypted)
    message = str(refused.value.message)
    assert word in message
    assert "save it unencrypted" in message


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n" + os.urandom(64), id="png"),
        pytest.param(b"", id="empty"),
        pytest.param(b"bplist00" + os.urandom(40), id="binary-plist"),
        pytest.param(gzip.compress(b"just some text"), id="gzip-text"),
    ],
)
def test_a_file_that_is_not_a_seb_configuration_is_refused(raw: bytes) -> None:
    with pytest.raises(seb_files.SebFileRefused, match="not a Safe Exam Browser configuration"):
        seb_files.read_settings(raw)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(ALL_TYPES[: len(ALL_TYPES) // 2], id="cut-short"),
        pytest.param(b'<?xml version="1.0"?><plist><array/></plist>', id="root-not-a-dict"),
        pytest.param(
            b'<?xml version="1.0"?><plist><dict><key>a</key><globb>1</globb></dict></plist>',
            id="unknown-value-type",
        ),
        pytest.param(
            b'<?xml version="1.0"?><plist><dict><key>a</key><real>nan</real></dict></plist>',
            id="not-a-number",
        ),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]>'
            b"<plist><dict><key>a</key><string>&a;</string></dict></plist>",
            id="entity-declaration",
        ),
        pytest.param(gzip.compress(ALL_TYPES)[:-40], id="gzip-damaged"),
    ],
)
def test_a_damaged_file_is_refused(raw: bytes) -> None:
    with pytest.raises(seb_files.SebFileRefused, match="damaged"):
        seb_files.read_settings(raw)


def test_a_file_that_expands_past_the_limit_is_refused() -> None:
    bomb = gzip.compress(b"<?xml " + b" " * (seb_files.MAX_CONFIG_BYTES + 10))
    assert len(bomb) < 100_000
    with pytest.raises(seb_files.SebFileRefused, match="2 MB"):
        seb_files.read_settings(bomb)


def test_a_generated_configuration_reads_back_with_the_same_settings() -> None:
    settings = seb_files.exam_settings(
        start_url="https://exam.example.org/exam/sign-in/",
        quit_url="https://exam.example.org/exam/seb/quit/",
        allow_quit=True,
        quit_password_hash=seb_files.hashed_password("let me out"),
    )
    raw = seb_files.write_settings(settings)
    assert seb_files.read_settings(raw) == settings
    # printf '%s' 'let me out' | sha256sum
    assert settings["hashedQuitPassword"] == (
        "9e317bbe49f118983c10c139d246449b8e948c84282847eee242de1bdd9b4872"
    )
    assert seb_files.config_key_of_file(raw) == seb_files.config_key(settings)


@pytest.mark.skipif(not SHARED_SEB.is_dir(), reason="no SEB-made files in the shared data")
def test_files_saved_by_seb_itself_give_the_key_seb_computed() -> None:
    files = sorted(SHARED_SEB.glob("*.seb"))
    checked = 0
    for path in files:
        key_file = path.with_suffix(".config-key")
        if not key_file.exists():
            continue
        raw = path.read_bytes()
        assert seb_files.config_key_of_file(raw) == key_file.read_text().strip(), path.name
        json_file = path.with_suffix(".seb-json")
        if json_file.exists():
            expected = json_file.read_text(encoding="utf-8").strip()
            assert seb_files.seb_json(seb_files.read_settings(raw)) == expected, path.name
        checked += 1
    assert checked


def test_the_command_prints_the_key(capsys, tmp_path: Path) -> None:
    path = tmp_path / "exam.seb"
    path.write_bytes(gzip.compress(ALL_TYPES))
    call_command("seb_config_key", str(path), "--json")
    assert json.loads(capsys.readouterr().out) == {"config_key": ALL_TYPES_KEY}
    call_command("seb_config_key", str(path))
    assert capsys.readouterr().out.strip() == f"Config Key of exam.seb: {ALL_TYPES_KEY}"


def test_the_command_refuses_an_encrypted_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.seb"
    path.write_bytes(gzip.compress(b"pswd" + os.urandom(100)))
    with pytest.raises(CommandError, match="encrypted with a password"):
        call_command("seb_config_key", str(path), "--json")


def test_the_command_line_writes_errors_to_stderr_with_a_failing_exit(tmp_path: Path) -> None:
    good = tmp_path / "exam.seb"
    good.write_bytes(ALL_TYPES)
    bad = tmp_path / "photo.seb"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n")
    env = {**os.environ, "PYTHONPATH": str(REPO), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    command = [sys.executable, str(REPO / "manage.py"), "seb_config_key"]
    ok = subprocess.run([*command, str(good), "--json"], capture_output=True, env=env, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"config_key": ALL_TYPES_KEY}
    refused = subprocess.run([*command, str(bad)], capture_output=True, env=env, text=True)
    assert refused.returncode != 0
    assert refused.stdout == ""
    # The command line speaks the site's language (zh-Hans), naming SEB in English too.
    assert "CommandError" in refused.stderr
    assert "Safe Exam Browser" in refused.stderr
    missing = subprocess.run(
        [*command, str(tmp_path / "none.seb")], capture_output=True, env=env, text=True
    )
    assert missing.returncode != 0
    assert "none.seb" in missing.stderr
