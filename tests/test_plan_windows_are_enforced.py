"""R-CERT-8: every action of an exam plan checks its window and its role on the server. A
direct POST outside the window changes nothing and says why; the wrong role gets 403."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from certification import issuing
from certification.models import Enrolment, ExamSession, IssuedCertificate, Score, Seat
from certification.statuses import CertificateStatus
from tests import certification_world
from tests.certification_world import PHASES, set_phase, xlsx
from tests.personas import PASSWORD

if TYPE_CHECKING:
    from tests.personas import Personas


@dataclass
class Stage:
    world: Any
    plan: Any
    waiting: Any  # verified, not registered
    enrolment: Any  # registered and seated
    seat: Any
    session: Any
    issued: Any


@pytest.fixture
def stage(personas: Personas) -> Stage:
    world = certification_world.build(personas)
    plan = certification_world.plan(world)
    waiting = certification_world.verified_candidate(world, 301, "周杰", personas.site)
    seated = certification_world.verified_candidate(world, 302, "吴芳", personas.site)
    enrolment = Enrolment.objects.create(plan=plan, candidate=seated, site=personas.site)
    session = ExamSession.objects.create(
        plan=plan, name="第一场", starts_at=plan.exam_opens, ends_at=plan.exam_closes
    )
    seat = Seat.objects.create(enrolment=enrolment, session=session, room=personas.room_a, number=1)
    Score.objects.create(enrolment=enrolment, value=80, passed=True)
    issued = IssuedCertificate.objects.create(
        enrolment=enrolment, number="N-1", token="t-1", status=CertificateStatus.ORG_SIGNED
    )
    # The organisation's step is a signature over the content (certification.issuing).
    issuing.sign_step(issued, "org_sign", issuing.content_sha256(issued), signer=personas.oscar)
    return Stage(world, plan, waiting, enrolment, seat, session, issued)


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def snapshot(stage: Stage) -> tuple[Any, ...]:
    stage.seat.refresh_from_db()
    stage.issued.refresh_from_db()
    return (
        Enrolment.objects.count(),
        ExamSession.objects.count(),
        Seat.objects.count(),
        (stage.seat.session_id, stage.seat.room_id, stage.seat.number),
        list(Score.objects.values_list("value", flat=True)),
        IssuedCertificate.objects.count(),
        stage.issued.status,
    )


def local(moment: Any, shift_minutes: int) -> str:
    import datetime as dt

    from django.utils import timezone

    return (timezone.localtime(moment) + dt.timedelta(minutes=shift_minutes)).strftime(
        "%Y-%m-%d %H:%M"
    )


def actions(stage: Stage) -> dict[str, tuple[str, str, str, dict[str, Any]]]:
    """name → (window, who, url, data) for every state-changing action of a plan."""
    p = stage.plan.pk
    upload_ids = xlsx([[stage.waiting.id_number]], headers=["身份证号"])
    scores_sheet = xlsx([[stage.enrolment.candidate.id_number, 55]], headers=["身份证号", "成绩"])
    return {
        "register": (
            "registration",
            "sam",
            f"/cert/plans/{p}/register/",
            {"candidates": [stage.waiting.pk]},
        ),
        "import_registrations": (
            "registration",
            "sam",
            f"/cert/plans/{p}/register/import/",
            {"file": ("r.xlsx", upload_ids)},
        ),
        "add_session": (
            "scheduling",
            "oscar",
            f"/cert/plans/{p}/sessions/",
            {
                "name": "第二场",
                "starts_at": local(stage.plan.exam_opens, 60),
                "ends_at": local(stage.plan.exam_closes, -60),
            },
        ),
        "auto_assign": ("scheduling", "oscar", f"/cert/plans/{p}/schedule/", {}),
        "move_seat": (
            "scheduling",
            "oscar",
            f"/cert/plans/{p}/seats/{stage.seat.pk}/move/",
            {"session": stage.session.pk, "room": stage.seat.room_id, "number": 7},
        ),
        "enter_score": (
            "score_entry",
            "oscar",
            f"/cert/plans/{p}/scores/{stage.enrolment.pk}/",
            {"score": "42"},
        ),
        "import_scores": (
            "score_entry",
            "oscar",
            f"/cert/plans/{p}/scores/import/",
            {"file": ("s.xlsx", scores_sheet)},
        ),
        "org_sign": ("ended", "oscar", f"/cert/plans/{p}/certificates/org-sign/", {}),
        "site_sign": ("ended", "sam", f"/cert/plans/{p}/certificates/site-sign/", {}),
        "stamp": ("ended", "oscar", f"/cert/plans/{p}/certificates/stamp/", {}),
    }


def _post(client: Client, url: str, data: dict[str, Any]) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    payload = {
        k: SimpleUploadedFile(v[0], v[1]) if isinstance(v, tuple) else v for k, v in data.items()
    }
    return client.post(url, payload)


ACTION_NAMES = [
    "register",
    "import_registrations",
    "add_session",
    "auto_assign",
    "move_seat",
    "enter_score",
    "import_scores",
    "org_sign",
    "site_sign",
    "stamp",
]


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_a_direct_post_outside_the_window_changes_nothing(stage, name):
    window, who, url, data = actions(stage)[name]
    client = signed_in(who)
    for phase in PHASES:
        if phase == window:
            continue
        set_phase(stage.plan, phase)
        before = snapshot(stage)
        response = _post(client, url, data)
        assert response.status_code == 302, (phase, response.content[:300])
        assert response["X-Refused"] == "window", phase
        assert snapshot(stage) == before, phase
        follow = client.get(response["Location"])
        text = follow.content.decode()
        assert "window" in text or "plan ends" in text, phase


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_inside_its_window_the_action_does_its_work(stage, name):
    window = actions(stage)[name][0]
    set_phase(stage.plan, window)
    _window, who, url, data = actions(stage)[name]  # dates of the plan as it is now
    if name == "auto_assign":
        stage.seat.delete()
    if name == "stamp":
        stage.issued.status = CertificateStatus.SITE_SIGNED
        stage.issued.save()
        digest = issuing.content_sha256(stage.issued)
        issuing.sign_step(stage.issued, "site_sign", digest, signer=None)
    if name == "org_sign":
        stage.issued.signatures.all().delete()
        stage.issued.delete()
    before = snapshot(stage) if name not in ("auto_assign", "org_sign") else None
    response = _post(signed_in(who), url, data)
    assert response.status_code == 302 and "X-Refused" not in response, response.content[:300]
    if before is not None:
        assert snapshot(stage) != before
    if name == "auto_assign":
        assert Seat.objects.filter(enrolment=stage.enrolment).exists()
    if name == "org_sign":
        assert IssuedCertificate.objects.filter(enrolment=stage.enrolment).exists()


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_the_wrong_role_is_refused_even_inside_the_window(stage, name):
    window, who, url, data = actions(stage)[name]
    set_phase(stage.plan, window)
    other = {"sam": "oscar", "oscar": "sam"}[who]
    before = snapshot(stage)
    for username in (other, "paula"):
        assert _post(signed_in(username), url, data).status_code == 403
    assert snapshot(stage) == before
