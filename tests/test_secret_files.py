"""The one helper behind the generated key files of the embedded default (core.secret_files):
the evidence signing key (custody.keys) and the face template key (vision.crypto) are each
written once, private to the owner, and read back the same by every later process, including
the one that lost a race to write it."""

from __future__ import annotations

import stat
from pathlib import Path

from cryptography.fernet import Fernet

from core import secret_files
from custody import keys
from vision import crypto


def test_a_secret_is_made_once_private_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "secret.key"
    made = secret_files.read_or_create(path, lambda: b"first\n")
    assert made == b"first" and path.read_bytes() == b"first\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_files.read_or_create(path, lambda: b"second") == b"first"


def test_the_process_that_loses_the_race_reads_the_winners_secret(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"

    def made_while_another_process_wrote_first() -> bytes:
        path.write_bytes(b"winner")  # the other process, between our look and our write
        return b"loser"

    assert secret_files.read_or_create(path, made_while_another_process_wrote_first) == b"winner"
    assert path.read_bytes() == b"winner"


def test_both_embedded_defaults_generate_their_key_file_once(tmp_path: Path, settings) -> None:
    settings.EVIDENCE_SIGNING_KEY = ""
    settings.EVIDENCE_SIGNING_KEY_REQUIRED = False
    settings.EVIDENCE_SIGNING_KEY_FILE_DEFAULT = tmp_path / "evidence-signing.key"
    first = keys.signing_key()
    assert keys.key_id(keys.signing_key().public_key()) == keys.key_id(first.public_key())
    assert keys.parse_private(settings.EVIDENCE_SIGNING_KEY_FILE_DEFAULT.read_text())

    settings.FACE_TEMPLATE_KEY = ""
    settings.FACE_TEMPLATE_KEY_REQUIRED = False
    settings.FACE_TEMPLATE_KEY_FILE_DEFAULT = tmp_path / "face-template.key"
    crypto._fernet.cache_clear()
    try:
        token = crypto._fernet().encrypt(b"template")
        crypto._fernet.cache_clear()
        again = Fernet(settings.FACE_TEMPLATE_KEY_FILE_DEFAULT.read_bytes())
        assert again.decrypt(token) == b"template" == crypto._fernet().decrypt(token)
    finally:
        crypto._fernet.cache_clear()
