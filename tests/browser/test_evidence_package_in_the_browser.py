"""Evidence packages (issue 16, item 3) in headless Chromium, against the live web process and
Celery worker: a proctor of the room asks for an attempt's package on its evidence page, the
job page follows the worker to the end, the package downloads; on the verification page the
package is intact, and the same package with one byte changed names the altered segment."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from exams.models import Registration
from proctoring import uploads
from proctoring.models import RecordingSegment
from tests.browser.flows import staff_sign_in
from tests.personas import Personas, answering

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(300),
]


@pytest.fixture(scope="module", autouse=True)
def _media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One media directory for this process and the live ones (read when they start)."""
    media = tmp_path_factory.mktemp("media")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDIA_ROOT", str(media))
        yield media


def flip_one_byte(source: Path, name: str, target: Path) -> None:
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo(name)
    header = data[info.header_offset : info.header_offset + 30]
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little")
    start += int.from_bytes(header[28:30], "little")
    data[start + 1000] ^= 0x01
    target.write_bytes(bytes(data))


def test_a_proctor_makes_a_package_and_verifies_it(
    personas: Personas,
    live_url: str,
    browser: Any,
    settings: Any,
    tmp_path: Path,
    _media: Path,
) -> None:
    settings.MEDIA_ROOT = _media
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    attempt = answering(registration)
    for seq in range(3):
        row = RecordingSegment(
            attempt=attempt,
            view=1,
            seq=seq,
            client_id=f"segment-{seq:04d}",
            started_at=timezone.now(),
            duration_ms=10000,
            size=20_000,
        )
        uploads.save_with_file(row, "file", "s.webm", b"\x1a\x45\xdf\xa3" + os.urandom(19_996))

    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    staff_sign_in(page, live_url, "paula")
    page.goto(f"{live_url}/vision/staff/attempts/{attempt.pk}/")
    page.click("main button[type=submit]")  # 生成证据包
    page.wait_for_url(f"{live_url}/jobs/*/")
    # The job page polls the worker and shows the result when the job has finished.
    page.wait_for_selector("text=证据包已生成", timeout=60_000)
    with page.expect_download() as download:
        page.click("a[href$='/download']")
    package = tmp_path / "package.zip"
    download.value.save_as(package)

    page.goto(f"{live_url}/evidence/verify/")
    page.set_input_files("#id_package", str(package))
    page.click("main button[type=submit]")
    page.wait_for_selector("#verdict")
    assert "证据包完好" in page.inner_text("#verdict")

    altered = tmp_path / "altered.zip"
    flip_one_byte(package, "items/recordings/view-1/000001.webm", altered)
    page.set_input_files("#id_package", str(altered))
    page.click("main button[type=submit]")
    page.wait_for_selector("#altered-item")
    assert page.inner_text("#altered-item") == "items/recordings/view-1/000001.webm"
    assert "已被改动" in page.inner_text("#verdict")
    context.close()
