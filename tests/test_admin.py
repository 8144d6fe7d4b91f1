"""The Django admin as the operator's fallback (accounts.admin_site): every model is there, every
page renders, a site administrator sees only their site, life cycles and secrets are safe, the
actions go through the real services and the audit log stays whole."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.admin_site import PlatformModelAdmin
from accounts.models import User
from audit.models import AuditEntry
from candidates.models import Candidate
from centres.models import Site
from certification.models import IssuedCertificate
from core.lifecycle import LifeCycle
from exams.models import Attempt, Exam, Registration
from proctoring.models import Alert, RecordingSegment
from questionbank.models import Subject
from tests import admin_world
from tests.admin_world import AdminWorld
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def project_models() -> list[Any]:
    # The project's apps live in the checkout; the virtual environment may live there too.
    base = Path(settings.BASE_DIR).resolve()
    environment = Path(sys.prefix).resolve()
    return [
        model
        for config in apps.get_app_configs()
        if base in Path(config.path).resolve().parents
        and environment not in Path(config.path).resolve().parents
        for model in config.get_models()
    ]


def url(model: Any, view: str, *args: object) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.fixture
def world(personas: Personas) -> AdminWorld:
    return admin_world.build(personas)


@pytest.fixture
def root(db: None) -> User:
    return User.objects.create_superuser("root", "root@example.org", "root-pass-2026")


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def as_staff(user: User) -> Client:
    User.objects.filter(pk=user.pk).update(is_staff=True)
    user.refresh_from_db()
    return client_of(user)


def test_every_model_of_every_project_app_is_registered() -> None:
    models = project_models()
    assert len(models) > 50
    missing = [m._meta.label for m in models if m not in admin.site._registry]
    assert missing == []
    not_platform = [
        m._meta.label for m in models if not isinstance(admin.site._registry[m], PlatformModelAdmin)
    ]
    assert not_platform == []


def test_every_page_renders_for_a_superuser_with_data(world: AdminWorld, root: User) -> None:
    client = client_of(root)
    assert client.get("/admin/").status_code == 200
    request = RequestFactory().get("/admin/")
    request.user = root
    for model in project_models():
        model_admin = admin.site._registry[model]
        listing = client.get(url(model, "changelist"))
        assert listing.status_code == 200, model._meta.label
        if model_admin.search_fields:
            searched = client.get(url(model, "changelist"), {"q": "1"})
            assert searched.status_code == 200, model._meta.label
        if model_admin.has_add_permission(request):
            assert client.get(url(model, "add")).status_code == 200, model._meta.label
        row = model._default_manager.first()
        assert row is not None, f"the admin world has no {model._meta.label}"
        change = client.get(url(model, "change", row.pk))
        assert change.status_code == 200, model._meta.label


def test_a_site_administrator_with_is_staff_sees_only_their_site(
    world: AdminWorld, personas: Personas
) -> None:
    sam = as_staff(personas.sam)
    index = sam.get("/admin/")
    assert index.status_code == 200
    candidates = sam.get(url(Candidate, "changelist")).content.decode()
    assert "Carol" in candidates and "Erin" not in candidates
    attempts = sam.get(url(Attempt, "changelist")).content.decode()
    own = url(Attempt, "change", world.attempt.pk)
    other = url(Attempt, "change", world.other_site_attempt.pk)
    assert own in attempts and other not in attempts
    assert sam.get(own).status_code == 200
    assert sam.get(other).status_code == 302  # "does not exist": not theirs
    sites = sam.get(url(Site, "changelist")).content.decode()
    assert url(Site, "change", personas.site.pk) in sites
    assert url(Site, "change", personas.other_site.pk) not in sites

    olga = as_staff(personas.olga)
    assert olga.get(own).status_code == 302
    assert olga.get(other).status_code == 200

    # Read-only: no add page, and a change is refused.
    assert sam.get(url(Candidate, "add")).status_code == 403
    response = sam.post(url(Site, "change", personas.site.pk), {"name": "Renamed"})
    assert response.status_code == 403
    personas.site.refresh_from_db()
    assert personas.site.name == "Site one"
    # Models the pages never show a site administrator are not in their admin at all.
    assert sam.get(url(AuditEntry, "changelist")).status_code == 403
    assert sam.get(url(Subject, "changelist")).status_code == 403


def test_only_administrators_with_is_staff_get_in(world: AdminWorld, personas: Personas) -> None:
    assert client_of(personas.sam).get("/admin/").status_code == 302  # no is_staff
    for user in (personas.paula, personas.ingrid, personas.carol.user):
        assert as_staff(user).get("/admin/").status_code == 302, user.username
    oscar = as_staff(personas.oscar)
    assert oscar.get("/admin/").status_code == 200
    assert oscar.get(url(AuditEntry, "changelist")).status_code == 200


def test_life_cycle_status_fields_are_read_only(world: AdminWorld, root: User) -> None:
    from candidates.statuses import VERIFICATION
    from centres.statuses import SITE
    from certification.statuses import CERTIFICATE
    from exams.models import IdentityCheck
    from exams.statuses import ATTEMPT, CHECK
    from inspections.models import Rectification
    from inspections.statuses import RECTIFICATION
    from jobs.models import BackgroundJob
    from jobs.statuses import JOB
    from proctoring.statuses import ALERT
    from review.models import Appeal, AttemptReview
    from review.statuses import APPEAL, REVIEW
    from support.models import Conversation, MakeupRequest
    from support.statuses import CONVERSATION, MAKEUP
    from vision.models import FaceEnrolment
    from vision.statuses import ENROLMENT

    owned = [
        (ATTEMPT, Attempt, "status"),
        (CHECK, IdentityCheck, "status"),
        (SITE, Site, "status"),
        (VERIFICATION, Candidate, "verification"),
        (CERTIFICATE, IssuedCertificate, "status"),
        (RECTIFICATION, Rectification, "status"),
        (JOB, BackgroundJob, "status"),
        (ALERT, Alert, "status"),
        (CONVERSATION, Conversation, "status"),
        (MAKEUP, MakeupRequest, "status"),
        (ENROLMENT, FaceEnrolment, "status"),
        (REVIEW, AttemptReview, "status"),
        (APPEAL, Appeal, "status"),
    ]
    # Every LifeCycle of every app's statuses module is in the list above.
    declared = set()
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.statuses")
        except ModuleNotFoundError:
            continue
        declared |= {id(v) for v in vars(module).values() if isinstance(v, LifeCycle)}
    assert declared == {id(cycle) for cycle, _, _ in owned}

    request = RequestFactory().get("/admin/")
    request.user = root
    for cycle, model, field in owned:
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, PlatformModelAdmin)
        row = model._default_manager.first()
        assert field in model_admin.get_readonly_fields(request, row), cycle.kind
        assert field in model_admin.lifecycle_fields, cycle.kind

    # Posting a new status with an otherwise valid change leaves the status alone.
    client = client_of(root)
    site = Site.objects.get(code="S1")
    response = client.post(
        url(Site, "change", site.pk),
        {
            "code": "S1",
            "name": "Site one renamed",
            "status": "draft",
            "application": "",
            "review_reason": "",
            "institution": site.institution_id or "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    site.refresh_from_db()
    assert (site.name, site.status) == ("Site one renamed", "approved")
    assert AuditEntry.objects.filter(
        action="admin.changed", target_id=str(site.pk), data__fields=["name"]
    ).exists()


def test_the_unlock_action_calls_the_lockout_service_and_writes_its_audit_row(
    world: AdminWorld, personas: Personas
) -> None:
    sam = as_staff(personas.sam)
    dave = personas.dave.user
    olgas = User.objects.create(username="locked-s2", role="proctor", site=personas.other_site)
    User.objects.filter(pk=olgas.pk).update(locked_at=dave.date_joined)
    response = sam.post(
        url(User, "changelist"),
        {"action": "unlock", "_selected_action": [dave.pk, olgas.pk]},
    )
    assert response.status_code == 302
    dave.refresh_from_db()
    olgas.refresh_from_db()
    assert dave.locked_at is None and dave.failed_logins == 0
    assert olgas.locked_at is not None  # not sam's to unlock
    entry = AuditEntry.objects.get(action="account.unlocked")
    assert (entry.actor, entry.target_id) == (personas.sam, str(dave.pk))


def test_the_revoke_action_asks_for_a_reason_then_calls_the_transition(
    world: AdminWorld, root: User, personas: Personas
) -> None:
    certificate = world.certificate
    changelist = url(IssuedCertificate, "changelist")
    sam = as_staff(personas.sam)  # sees the certificate, but revoking is the organisation's
    response = sam.post(changelist, {"action": "revoke", "_selected_action": [certificate.pk]})
    certificate.refresh_from_db()
    assert certificate.status == "stamped"

    client = client_of(root)
    form = client.post(changelist, {"action": "revoke", "_selected_action": [certificate.pk]})
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    blank = client.post(
        changelist,
        {"action": "revoke", "_selected_action": [certificate.pk], "apply": "1", "reason": ""},
    )
    assert blank.status_code == 200
    certificate.refresh_from_db()
    assert certificate.status == "stamped"
    response = client.post(
        changelist,
        {
            "action": "revoke",
            "_selected_action": [certificate.pk],
            "apply": "1",
            "reason": "Cheating found after the exam",
        },
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert certificate.revoked_reason == "Cheating found after the exam"
    entry = AuditEntry.objects.get(action="certificate.revoked")
    assert entry.actor == root and entry.data["old_status"] == "stamped"


def test_the_close_action_closes_an_alert_through_its_life_cycle(
    world: AdminWorld, root: User
) -> None:
    response = client_of(root).post(
        url(Alert, "changelist"), {"action": "close", "_selected_action": [world.alert.pk]}
    )
    assert response.status_code == 302
    world.alert.refresh_from_db()
    assert world.alert.status == "closed" and world.alert.closed_at is not None
    assert AuditEntry.objects.filter(action="alert.closed", target_id=str(world.alert.pk)).exists()


def test_secrets_are_never_rendered(world: AdminWorld, root: User, personas: Personas) -> None:
    from notifications.models import Delivery
    from proctoring.models import PhonePairing
    from vision.models import FaceTemplate

    client = client_of(root)
    oscar = as_staff(personas.oscar)
    pairing = PhonePairing.objects.get()
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    attempt = Attempt.objects.filter(registration__candidate=personas.carol).first()
    assert attempt is not None
    Attempt.objects.filter(pk=attempt.pk).update(session_token="a-session-token-never-shown")
    attempt.refresh_from_db()
    secrets = [
        pairing.token_hash,
        admin_world.VERIFICATION_TOKEN,
        admin_world.DELIVERY_BODY,
        registration.passcode_hash,
        registration.passcode_hash.split("$")[-1][:12],
        attempt.session_token,
        root.password,
        root.password.split("$")[-1][:6],  # not even the start of the hash
        bytes(world.template.encrypted).decode()[:20],
    ]
    pages = [
        url(PhonePairing, "change", pairing.pk),
        url(PhonePairing, "changelist"),
        url(FaceTemplate, "change", world.template.pk),
        url(IssuedCertificate, "change", world.certificate.pk),
        url(Exam, "change", personas.formal.pk),
        url(Exam, "changelist"),
        url(Registration, "change", registration.pk),
        url(Registration, "changelist"),
        url(Attempt, "change", attempt.pk),
        url(User, "change", root.pk),
        url(User, "change", personas.sam.pk),
        url(Delivery, "changelist"),
        url(Delivery, "change", Delivery.objects.get().pk),
    ]
    for page in pages:
        for viewer in (client, oscar):
            response = viewer.get(page)
            if response.status_code != 200:
                continue
            content = response.content.decode()
            for secret in secrets:
                assert secret not in content, (page, secret)
    staff_view = oscar.get(url(User, "change", personas.sam.pk))
    assert staff_view.status_code == 200
    assert personas.sam.password not in staff_view.content.decode()


def test_the_admin_never_types_in_a_passcode(
    world: AdminWorld, root: User, personas: Personas
) -> None:
    """Passcodes are sent by the support pages (scheduled or re-issued, audited): the exam has
    none any more, and the registration's hash is neither shown nor editable."""
    client = client_of(root)
    exam_form = client.get(url(Exam, "change", personas.formal.pk)).context["adminform"].form
    assert "passcode" not in exam_form.fields
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    page = client.get(url(Registration, "change", registration.pk))
    assert "passcode_hash" not in page.context["adminform"].form.fields


def test_the_audit_log_cannot_be_changed_or_deleted(world: AdminWorld, root: User) -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None
    client = client_of(root)
    assert client.get(url(AuditEntry, "delete", entry.pk)).status_code == 403
    assert client.post(url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    assert client.post(url(AuditEntry, "change", entry.pk), {"action": "x"}).status_code == 403
    response = client.post(
        url(AuditEntry, "changelist"), {"action": "delete_selected", "_selected_action": [entry.pk]}
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert response.status_code in (200, 302)


def test_deleting_a_protected_row_is_refused(world: AdminWorld, root: User) -> None:
    site = Site.objects.get(code="S1")  # its rooms, staff and candidates PROTECT it
    client = client_of(root)
    page = client.get(url(Site, "delete", site.pk))
    assert page.status_code == 200
    assert page.context["protected"]
    client.post(url(Site, "delete", site.pk), {"post": "yes"})
    assert Site.objects.filter(pk=site.pk).exists()


def test_deleting_a_row_with_a_file_deletes_the_file_and_is_audited(
    world: AdminWorld, root: User
) -> None:
    segment = RecordingSegment.objects.get()
    storage, name = segment.file.storage, segment.file.name
    assert storage.exists(name)
    response = client_of(root).post(url(RecordingSegment, "delete", segment.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not RecordingSegment.objects.filter(pk=segment.pk).exists()
    assert not storage.exists(name)
    assert AuditEntry.objects.filter(action="admin.deleted", target_id=str(segment.pk)).exists()


def test_the_top_bar_links_to_the_admin_for_those_who_may_use_it(
    world: AdminWorld, personas: Personas
) -> None:
    link = 'href="/admin/"'

    def page(client: Client, path: str) -> str:
        response = client.get(path)
        assert response.status_code == 200
        return response.content.decode()

    assert link not in page(client_of(personas.sam), "/sites/")
    assert link in page(as_staff(personas.sam), "/sites/")
    assert link not in page(as_staff(personas.paula), "/proctor/")


# Tables that reach 100 000s of rows: a plain <select> of them would load every row.
BIG = {
    "accounts.User",
    "candidates.Candidate",
    "exams.Attempt",
    "exams.Registration",
    "exams.IdentityCheck",
    "certification.Enrolment",
    "proctoring.EvidenceFrame",
    "questionbank.Question",
    "centres.Room",
    "inspections.Finding",
    "inspections.Rectification",
    "inspections.RectificationUpdate",
    "inspections.ReportAnswer",
    "inspections.SelfInspectionReport",
    "support.Conversation",
    "vision.FaceEnrolment",
}


def test_relations_to_big_tables_never_render_as_a_full_select(root: User) -> None:
    request = RequestFactory().get("/admin/")
    request.user = root
    offenders = []
    for model, model_admin in admin.site._registry.items():
        readonly = set(model_admin.get_readonly_fields(request))
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete) or field.name in readonly:
                continue
            related: Any = field.related_model
            if related is None or related._meta.label not in BIG:
                continue
            if field.name in (*model_admin.raw_id_fields, *model_admin.autocomplete_fields):
                continue
            editable = model_admin.has_change_permission(request)
            if not (editable or model_admin.has_add_permission(request)):
                continue  # never a form: shown as text
            offenders.append(f"{model._meta.label}.{field.name}")
    assert offenders == []


def test_a_site_added_in_the_admin_starts_its_application_life_cycle(root: User) -> None:
    response = client_of(root).post(
        url(Site, "add"),
        {"code": "S9", "name": "New site", "application": "", "review_reason": ""},
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    site = Site.objects.get(code="S9")
    assert site.status == "draft"
    assert AuditEntry.objects.filter(action="admin.added", target_id=str(site.pk)).exists()


def test_a_password_set_in_the_admin_is_audited(world: AdminWorld, root: User) -> None:
    sam = User.objects.get(username="sam")
    response = client_of(root).post(
        reverse("admin:auth_user_password_change", args=[sam.pk]),
        {"password1": "a-new-long-pass-2026", "password2": "a-new-long-pass-2026"},
    )
    assert response.status_code == 302
    sam.refresh_from_db()
    assert sam.check_password("a-new-long-pass-2026")
    assert AuditEntry.objects.filter(action="admin.password_set", target_id=str(sam.pk)).exists()


def test_no_page_shows_a_site_administrator_another_sites_candidate(
    world: AdminWorld, personas: Personas
) -> None:
    """Erin sits at site S2: nothing of hers, nor the site's name, reaches sam (S1) in any list
    or detail page (filters included)."""
    sam = as_staff(personas.sam)
    request = RequestFactory().get("/admin/")
    request.user = personas.sam
    seen = 0
    for model in project_models():
        model_admin = admin.site._registry[model]
        listing = sam.get(url(model, "changelist"))
        assert listing.status_code in (200, 403), model._meta.label
        if listing.status_code == 403:
            assert not model_admin.has_view_permission(request)
            continue
        seen += 1
        for other in ("Erin", "Site two"):
            assert other not in listing.content.decode(), (model._meta.label, other)
        for row in model_admin.get_queryset(request)[:3]:
            detail = sam.get(url(model, "change", row.pk))
            assert detail.status_code == 200, model._meta.label
            for other in ("Erin", "Site two"):
                assert other not in detail.content.decode(), (model._meta.label, other)
    assert seen >= 20  # the site's own records are there


def test_a_site_administrator_unbinds_their_own_candidates_face_only(
    world: AdminWorld, personas: Personas
) -> None:
    from vision.models import FaceEnrolment, FaceTemplate

    sam = as_staff(personas.sam)
    erins = FaceEnrolment.objects.exclude(pk=world.enrolment.pk).get()
    response = sam.post(
        url(FaceEnrolment, "changelist"),
        {
            "action": "unbind",
            "_selected_action": [world.enrolment.pk, erins.pk],
            "apply": "1",
            "reason": "Enrolled from the wrong photo",
        },
    )
    assert response.status_code == 302
    world.enrolment.refresh_from_db()
    erins.refresh_from_db()
    assert world.enrolment.status == "unbound"
    assert not FaceTemplate.objects.filter(enrolment=world.enrolment).exists()
    assert erins.status == "enrolled"  # not sam's to see, so not sam's to unbind
    entry = AuditEntry.objects.get(action="face_enrolment.unbound")
    assert entry.actor == personas.sam
    assert entry.data["reason"] == "Enrolled from the wrong photo"


def test_support_staff_close_a_conversation_through_the_chat_service(
    world: AdminWorld, personas: Personas
) -> None:
    from support.models import Conversation

    sam = as_staff(personas.sam)
    response = sam.post(
        url(Conversation, "changelist"),
        {"action": "close", "_selected_action": [world.conversation.pk]},
    )
    assert response.status_code == 302
    world.conversation.refresh_from_db()
    assert world.conversation.status == "closed" and world.conversation.closed_at is not None
    assert AuditEntry.objects.filter(
        action="support.conversation.closed",
        target_id=str(world.conversation.pk),
        actor=personas.sam,
    ).exists()


def test_granting_a_make_up_request_goes_through_the_support_service(
    world: AdminWorld, personas: Personas
) -> None:
    from exams.models import Registration
    from support.models import MakeupRequest

    pending = MakeupRequest.objects.get()
    sam = as_staff(personas.sam)
    response = sam.post(
        url(MakeupRequest, "changelist"),
        {
            "action": "grant",
            "_selected_action": [pending.pk],
            "apply": "1",
            "reason": "Power cut confirmed by the site",
        },
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "granted" and pending.decided_by == personas.sam
    registration = Registration.objects.get(pk=pending.registration_id)
    assert registration.extra_attempts == 1
    assert AuditEntry.objects.filter(
        action="support.makeup.granted", target_id=str(pending.pk), actor=personas.sam
    ).exists()
