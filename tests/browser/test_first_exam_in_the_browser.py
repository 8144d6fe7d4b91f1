"""A new exam centre's first exam from an empty database, through the pages only (issue #12):
one superuser made by ``createsuperuser``, then every stage in ``tests.browser.first_exam`` in
order, each done by the person who does it at a real centre, in headless Chromium against the
live processes (web, media, Celery), with the fake camera playing a real person's clip."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import User
from candidates.models import Candidate
from reference.models import Organisation
from tests.browser import first_exam as stages

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(900),
]


@pytest.fixture(scope="module")
def outbox(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("outbox") / "outbox.jsonl"


@pytest.fixture(scope="module")
def platform_env(outbox: Path) -> dict[str, str]:
    return {
        "NOTIFICATION_SMS_GATEWAY": "notifications.gateways.FileGateway",
        "NOTIFICATION_OUTBOX": str(outbox),
    }


def test_a_new_centre_runs_its_first_exam_through_the_pages(
    live_url: str, media_browser, outbox: Path, screenshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    faces = Path(settings.SHARED_DATA_DIR) / "faces"
    if not (faces / stages.CLIP_PERSON).exists():
        pytest.skip(f"shared data missing: {faces}")
    # An empty platform: no account, no organisation, no candidate.
    assert not User.objects.exists()
    assert not Organisation.objects.exists() and not Candidate.objects.exists()
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", stages.SUPERUSER_PASSWORD)
    call_command(
        "createsuperuser", "--noinput", username=stages.SUPERUSER, email="root@example.org"
    )

    centre = stages.Centre(live_url, outbox, media_browser, screenshot)
    stages.superuser_signs_in(centre)
    stages.catalogue(centre)
    stages.institution(centre)
    stages.site_admin(centre)
    stages.site_approval(centre)
    stages.room_and_proctor(centre)
    stages.candidate_import(centre)
    stages.plan_and_schedule(centre)
    stages.question_bank(centre)
    stages.formal_exam(centre)
    stages.online_registration(centre)
    stages.passcodes_sent(centre)
    stages.bulk_faces(centre)
    stages.candidate_exam(centre)
    stages.scores_published(centre)
    stages.certificate_signed_and_verified(centre)
