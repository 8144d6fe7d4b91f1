"""An exam's AI rule profile set on its page: alert types on or off, the severity of each, how
each device label counts (an open-book exam ignores books and still sees phones), and the
thresholds. The default profile behaves as before: every device is a high-severity alert."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from exams.models import Attempt, Exam
from proctoring import alert_profile, alerts
from proctoring.alerts import findings, rules_for
from proctoring.models import Alert, AlertKind, AlertRules, Severity
from tests import exam_setup_helpers as setup
from tests.personas import Personas
from vision.objects import Detection
from vision.results import Faces, FrameResult


def frame(*labels: str, view: int = 1) -> FrameResult:
    """One analysed frame of the candidate at the desk with these objects in sight."""
    person = Detection("person", 0.9, (10, 10, 300, 470))
    devices = tuple(Detection(label, 0.8, (320, 300, 420, 380)) for label in labels)
    return FrameResult(
        view=view,
        size=(640, 480),
        pipeline="production",
        persons=(person,),
        devices=devices,
        objects=(person, *devices),
        faces=Faces(count=1, boxes=()),
        identity=None,
        covered=None,
        looking_away=None,
        models={},
        reused=False,
        timings_ms={},
    )


@pytest.fixture
def oscar(personas: Personas) -> Client:
    return setup.signed_in("oscar")


def page_form(oscar: Client, exam: Exam) -> tuple[dict[str, Any], dict[str, str]]:
    """The page's form as shown (ticked boxes, chosen options, numbers), and the form field of
    each device label by its name on the page."""
    response = oscar.get(f"/proctor/exams/{exam.pk}/alert-rules/")
    assert response.status_code == 200
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    labels = {label: f"device_{index}" for index, label in enumerate(form.labels)}
    return data, labels


def test_the_default_profile_keeps_every_device_a_high_alert(personas: Personas) -> None:
    rules = rules_for(personas.formal)
    for label in ("cell phone", "book", "keyboard", "laptop"):
        found = findings(frame(label), rules)
        assert AlertKind.DEVICE in found
        assert rules.alert_severity(AlertKind.DEVICE, found[AlertKind.DEVICE][1]) == Severity.HIGH


def test_saving_the_page_unchanged_writes_no_profile(personas: Personas, oscar: Client) -> None:
    data, _labels = page_form(oscar, personas.formal)
    response = oscar.post(f"/proctor/exams/{personas.formal.pk}/alert-rules/", data)
    assert response.status_code == 302
    assert not AlertRules.objects.exists()
    assert not AuditEntry.objects.filter(action="exam.alert_rules_saved").exists()


def test_an_open_book_exam_turns_books_off_and_phones_still_alert(
    personas: Personas, oscar: Client, carol_attempt: Attempt
) -> None:
    exam = personas.formal
    page = oscar.get(f"/exam/manage/{exam.pk}/").content.decode()
    assert f'href="/proctor/exams/{exam.pk}/alert-rules/"' in page
    data, labels = page_form(oscar, exam)
    data[labels["book"]] = alert_profile.IGNORED
    data[labels["keyboard"]] = str(Severity.LOW)
    response = oscar.post(f"/proctor/exams/{exam.pk}/alert-rules/", data)
    assert response.status_code == 302
    stored = AlertRules.objects.get(exam=exam)
    assert stored.device_labels == {"book": 0, "keyboard": 1}
    entry = AuditEntry.objects.get(action="exam.alert_rules_saved")
    assert entry.actor == personas.oscar and "device_labels" in entry.data["changes"]

    rules = rules_for(exam)
    assert AlertKind.DEVICE not in findings(frame("book"), rules)
    assert AlertKind.DEVICE not in findings(frame("book", view=2), rules)
    both = findings(frame("book", "cell phone"), rules)[AlertKind.DEVICE]
    assert [d["label"] for d in both[1]["devices"]] == ["cell phone"]

    now = timezone.now()
    assert alerts.apply(carol_attempt, frame("book"), at=now) == []
    keyboard = alerts.apply(carol_attempt, frame("keyboard"), at=now + dt.timedelta(seconds=5))
    assert [(a.kind, a.severity) for a in keyboard] == [(AlertKind.DEVICE, Severity.LOW)]
    # A phone seen while the keyboard's alert is open raises that alert to high.
    alerts.apply(carol_attempt, frame("keyboard", "cell phone"), at=now + dt.timedelta(seconds=10))
    alert = Alert.objects.get(attempt=carol_attempt, kind=AlertKind.DEVICE)
    assert (alert.severity, alert.count) == (Severity.HIGH, 2)


def test_types_can_be_turned_off_and_their_severity_changed(
    personas: Personas, oscar: Client, carol_attempt: Attempt
) -> None:
    exam = personas.formal
    data, _labels = page_form(oscar, exam)
    del data[f"on_{AlertKind.LOOKING_AWAY}"]
    data[f"severity_{AlertKind.TALKING}"] = str(Severity.LOW)
    data[f"severity_{AlertKind.DEVICE}"] = str(Severity.MEDIUM)
    data["device_min_confidence"] = 0.85
    assert oscar.post(f"/proctor/exams/{exam.pk}/alert-rules/", data).status_code == 302
    rules = rules_for(exam)
    assert not rules.is_enabled(AlertKind.LOOKING_AWAY) and rules.is_enabled(AlertKind.DEVICE)
    assert rules.severities == {AlertKind.TALKING: 1, AlertKind.DEVICE: 2}
    assert AlertKind.DEVICE not in findings(frame("cell phone"), rules)  # 0.8 < 0.85
    voice = alerts.report_voice(carol_attempt, 0.9, at=timezone.now())
    assert voice is not None and voice.severity == Severity.LOW
    shown = oscar.get(f"/proctor/exams/{exam.pk}/alert-rules/").context["form"]
    assert shown[f"on_{AlertKind.LOOKING_AWAY}"].value() is False

    response = oscar.post(f"/proctor/exams/{exam.pk}/alert-rules/reset/")
    assert response.status_code == 302
    assert not AlertRules.objects.filter(exam=exam).exists()
    assert AuditEntry.objects.filter(action="exam.alert_rules_reset").count() == 1


@pytest.mark.usefixtures("english")
def test_a_threshold_out_of_range_is_refused_and_nothing_is_written(
    personas: Personas, oscar: Client
) -> None:
    data, labels = page_form(oscar, personas.formal)
    data["device_min_confidence"] = 2
    data[labels["book"]] = alert_profile.IGNORED
    response = oscar.post(f"/proctor/exams/{personas.formal.pk}/alert-rules/", data)
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 0.99." in response.content.decode()
    assert not AlertRules.objects.exists()


@pytest.mark.parametrize("who", ["paula", "sam", "ingrid"])
def test_other_roles_cannot_change_the_ai_rules(personas: Personas, who: str) -> None:
    client = setup.signed_in(who)
    path = f"/proctor/exams/{personas.formal.pk}/alert-rules/"
    assert client.get(path).status_code == 403
    assert client.post(path, {"device_min_confidence": 0.9}).status_code == 403
    assert client.post(f"{path}reset/").status_code == 403
    assert not AlertRules.objects.exists()
