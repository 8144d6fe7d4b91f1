"""Evidence uploads are checked by content and size; a refused upload leaves no row and no
file behind (R-INSP-2, R-INSP-3)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from inspections import services
from inspections.models import Evidence, Finding, ReportAnswer
from tests.inspection_helpers import items_of, jpeg, signed_in, template_for
from tests.personas import InspectionPersonas, Personas, build_inspections

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(personas: Personas) -> InspectionPersonas:
    return build_inspections(personas)


@pytest.fixture(autouse=True)
def media(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    return tmp_path


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def report_and_item(world: InspectionPersonas) -> tuple[object, int]:
    unit = world.university_1
    report = services.open_report(unit, template_for(unit), dt.date(2026, 3, 2), world.uma)
    return report, items_of(template_for(unit))[0].pk


def post_answer(world: InspectionPersonas, upload: SimpleUploadedFile, **extra: str) -> object:
    report, item_id = report_and_item(world)
    return signed_in(world.uma).post(
        f"/inspections/reports/{report.pk}/",  # type: ignore[attr-defined]
        {f"result-{item_id}": "done", f"files-{item_id}": upload, "save": "1", **extra},
    )


def test_a_text_file_named_like_a_photo_is_refused(world: InspectionPersonas, media: Path) -> None:
    response = post_answer(world, SimpleUploadedFile("photo.jpg", b"not an image at all"))
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "not an accepted file" in response.content.decode()  # type: ignore[attr-defined]
    assert not ReportAnswer.objects.exists() and not Evidence.objects.exists()
    assert files_in(media) == []


def test_a_file_whose_name_does_not_match_its_content_is_refused(world: InspectionPersonas) -> None:
    response = post_answer(world, SimpleUploadedFile("scan.pdf", jpeg().read()))
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "does not match" in response.content.decode()  # type: ignore[attr-defined]


def test_a_file_over_the_size_limit_is_refused(
    world: InspectionPersonas, settings: pytest.FixtureRequest, media: Path
) -> None:
    settings.INSPECTION_EVIDENCE_MAX_BYTES = 100  # type: ignore[attr-defined]
    response = post_answer(world, jpeg())
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "too large" in response.content.decode()  # type: ignore[attr-defined]
    assert not Evidence.objects.exists() and files_in(media) == []


def test_a_photo_and_a_pdf_are_stored_and_served_to_the_unit(
    world: InspectionPersonas, media: Path
) -> None:
    assert post_answer(world, jpeg()).status_code == 302  # type: ignore[attr-defined]
    report, item_id = report_and_item(world)
    services.save_answers(
        report,  # type: ignore[arg-type]
        [],
        {item_id: [SimpleUploadedFile("plan.pdf", PDF)]},
        world.uma,
    )
    kinds = sorted(Evidence.objects.values_list("content_type", flat=True))
    assert kinds == ["application/pdf", "image/jpeg"]
    assert len(files_in(media)) == 2
    photo = Evidence.objects.get(content_type="image/jpeg")
    served = signed_in(world.uma).get(f"/inspections/evidence/{photo.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"


def test_files_stored_before_a_failure_are_removed_again(
    world: InspectionPersonas, media: Path
) -> None:
    # Submitting with 70 items unanswered fails after the photo was written to storage.
    response = post_answer(world, jpeg(), submit="1")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert not Evidence.objects.exists() and not ReportAnswer.objects.exists()
    assert files_in(media) == []


def test_a_finding_takes_photos_only(world: InspectionPersonas, media: Path) -> None:
    unit = world.university_1
    with pytest.raises(services.InspectionError, match="not an accepted file"):
        services.record_finding(
            unit=unit,
            item=items_of(template_for(unit))[0],
            description="x",
            owner=world.uma,
            deadline=timezone.now() + dt.timedelta(days=1),
            photos=[SimpleUploadedFile("plan.pdf", PDF)],
            user=world.ingrid,
        )
    assert not Finding.objects.exists() and files_in(media) == []
