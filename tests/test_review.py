"""The review after the exam (issue 16 §1, issue 15 §4): the queue's priority, claims, decisions
per alert and per attempt, the finished state, the rules' precision page, who may see what; and
the quiet stretches the review player skips (issue 16 §2)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from proctoring import activity
from proctoring.models import Alert, AlertDecision, AlertKind, Severity, Violation
from review import claims, decisions, precision, queue
from review.models import AttemptReview, Outcome
from review.priority import priority
from review.statuses import REVIEW, ReviewStatus
from tests.personas import PASSWORD, Personas
from tests.review_world import alert, analyses, face_result, finished_attempt, segments, webm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def client_of(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def review_of(attempt: Any) -> AttemptReview:
    queue.ensure_reviews(attempt.registration.exam, type(attempt).objects.filter(pk=attempt.pk))
    return AttemptReview.objects.get(attempt=attempt)


def test_the_queue_ranks_by_severity_confidence_and_measured_precision(
    personas: Personas,
) -> None:
    carol = finished_attempt(personas, "carol")
    dave = finished_attempt(personas, "dave")
    t = timezone.now() - dt.timedelta(minutes=30)
    # Carol: one high device alert at 0.9; Dave: four medium talking alerts at 0.9.
    alert(carol, AlertKind.DEVICE, Severity.HIGH, t, confidence=0.9)
    for i in range(4):
        alert(dave, AlertKind.TALKING, Severity.MEDIUM, t + dt.timedelta(minutes=i), confidence=0.9)

    entries = queue.entries(personas.formal, personas.oscar)
    assert [e.attempt.pk for e in entries] == [dave.pk, carol.pk]
    # 4 × 3 × 0.5 (no decision yet: 50 %) × 0.9 against 9 × 0.5 × 0.9.
    assert entries[0].priority == pytest.approx(5.4)
    assert entries[1].priority == pytest.approx(4.05)

    # Proctors dismissed six talking alerts before: the rule's measured precision moves Dave
    # below Carol.
    for decided in (AlertDecision.DISMISSED,) * 6:
        a = alert(dave, AlertKind.TALKING, Severity.MEDIUM, t - dt.timedelta(hours=1))
        Alert.objects.filter(pk=a.pk).update(decision=decided)
    rules = precision.by_rule()
    assert rules[AlertKind.TALKING].precision == 0.0
    assert rules[AlertKind.TALKING].estimate == pytest.approx(1 / 8)
    entries = queue.entries(personas.formal, personas.oscar)
    assert [e.attempt.pk for e in entries] == [carol.pk, dave.pk]
    assert entries[1].priority == pytest.approx(4 * 3 * 0.9 / 8, abs=0.01)


def test_priority_counts_confirmed_fully_and_dismissed_not(personas: Personas) -> None:
    attempt = finished_attempt(personas)
    t = timezone.now()
    confirmed = alert(attempt, AlertKind.DEVICE, Severity.HIGH, t, confidence=0.4)
    dismissed = alert(attempt, AlertKind.DEVICE, Severity.HIGH, t, confidence=0.9)
    confirmed.decision, dismissed.decision = AlertDecision.CONFIRMED, AlertDecision.DISMISSED
    assert priority([confirmed, dismissed], {}) == 9.0
    unknown = alert(attempt, AlertKind.LEFT_PAGE, Severity.MEDIUM, t, confidence=0.0)
    assert priority([unknown], {AlertKind.LEFT_PAGE: 0.5}) == pytest.approx(3 * 0.5 * 0.5)


def test_two_reviewers_never_hold_the_same_attempt(personas: Personas) -> None:
    attempt = finished_attempt(personas)
    review = review_of(attempt)
    assert claims.claim(review, personas.paula)
    assert not claims.claim(review, personas.sam)  # paula holds it
    assert claims.claim(review, personas.paula)  # renewing her own claim
    # Her claim runs out: the attempt is free again.
    AttemptReview.objects.filter(pk=review.pk).update(
        claim_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert claims.claim(review, personas.sam)
    review.refresh_from_db()
    assert review.claimed_by == personas.sam
    assert AuditEntry.objects.filter(action="review.claimed").count() == 3


@pytest.mark.django_db(transaction=True)
def test_claims_racing_in_two_connections_give_the_attempt_to_one(personas: Personas) -> None:
    attempt = finished_attempt(personas)
    review = review_of(attempt)
    barrier = threading.Barrier(2)
    won: dict[str, bool] = {}

    def take(user: Any) -> None:
        try:
            barrier.wait()
            won[user.username] = claims.claim(review, user)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(u,)) for u in (personas.paula, personas.sam)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won.values()) == [False, True], won


def test_claim_next_skips_what_another_reviewer_holds(personas: Personas) -> None:
    carol = finished_attempt(personas, "carol")
    dave = finished_attempt(personas, "dave")
    alert(carol, AlertKind.DEVICE, Severity.HIGH, timezone.now())
    first = queue.claim_next(personas.formal, personas.oscar)
    assert first is not None and first.attempt_id == carol.pk
    second = queue.claim_next(personas.formal, personas.sam)
    assert second is not None and second.attempt_id == dave.pk
    assert queue.claim_next(personas.formal, personas.paula) is None  # paula sees carol only


def test_decisions_per_alert_use_the_alert_decision_and_violations(personas: Personas) -> None:
    attempt = finished_attempt(personas)
    t = timezone.now() - dt.timedelta(minutes=5)
    phone = alert(attempt, AlertKind.DEVICE, Severity.HIGH, t)
    away = alert(attempt, AlertKind.LOOKING_AWAY, Severity.LOW, t + dt.timedelta(minutes=1))
    talk = alert(attempt, AlertKind.TALKING, Severity.MEDIUM, t + dt.timedelta(minutes=2))
    review = review_of(attempt)

    # Not claimed: refused, nothing written.
    with pytest.raises(claims.ClaimRefused):
        decisions.decide_alert(review, phone.pk, "violation", "Phone", actor=personas.paula)
    assert Alert.objects.get(pk=phone.pk).decision == ""

    assert claims.claim(review, personas.paula)
    # An alert of another attempt (Dave's) through Carol's review: refused, nothing written.
    elsewhere = alert(finished_attempt(personas, "dave"), AlertKind.DEVICE, Severity.HIGH, t)
    with pytest.raises(decisions.DecisionRefused):
        decisions.decide_alert(review, elsewhere.pk, "violation", "x", actor=personas.paula)
    assert Alert.objects.get(pk=elsewhere.pk).decision == ""
    for bad_outcome, bad_reason in (("ban", "x"), ("violation", "   "), ("warning", "x" * 501)):
        with pytest.raises(decisions.DecisionRefused):
            decisions.decide_alert(review, phone.pk, bad_outcome, bad_reason, actor=personas.paula)
    assert Alert.objects.get(pk=phone.pk).decision == ""

    decisions.decide_alert(
        review, phone.pk, "violation", "A phone in the hand at 10:02", actor=personas.paula
    )
    decisions.decide_alert(
        review, away.pk, "no_action", "Reading the question", actor=personas.paula
    )
    decisions.decide_alert(review, talk.pk, "warning", "Murmuring", actor=personas.paula)

    phone.refresh_from_db()
    assert phone.decision == AlertDecision.CONFIRMED and phone.decided_by == personas.paula
    assert Alert.objects.get(pk=away.pk).decision == AlertDecision.DISMISSED
    violation = Violation.objects.get(attempt=attempt)
    assert violation.alert_id == phone.pk and violation.kind == "device"
    linked = decisions.violation_alerts(attempt)
    assert decisions.alert_outcome(phone, linked) == Outcome.VIOLATION
    assert decisions.alert_outcome(Alert.objects.get(pk=talk.pk), linked) == Outcome.WARNING
    # Decided once: a second decision is refused.
    with pytest.raises(decisions.Refused):
        decisions.decide_alert(
            review, phone.pk, "no_action", "changed my mind", actor=personas.paula
        )


def test_finishing_the_review(personas: Personas) -> None:
    attempt = finished_attempt(personas)
    phone = alert(attempt, AlertKind.DEVICE, Severity.HIGH, timezone.now())
    review = review_of(attempt)
    assert claims.claim(review, personas.paula)

    with pytest.raises(decisions.DecisionRefused) as undecided:
        decisions.finish(review, "no_action", "Fine", actor=personas.paula)
    assert undecided.value.code == "undecided"
    decisions.decide_alert(review, phone.pk, "violation", "Phone", actor=personas.paula)
    with pytest.raises(decisions.DecisionRefused) as milder:
        decisions.finish(review, "warning", "Only a warning", actor=personas.paula)
    assert milder.value.code == "milder"
    with pytest.raises(claims.ClaimRefused):
        decisions.finish(review, "violation", "Phone", actor=personas.sam)
    assert AttemptReview.objects.get(pk=review.pk).status == ReviewStatus.PENDING

    decisions.finish(review, "violation", "Phone in the hand", actor=personas.paula)
    review.refresh_from_db()
    assert review.status == ReviewStatus.FINISHED and review.outcome == Outcome.VIOLATION
    assert review.finished_by == personas.paula and review.claimed_by is None
    assert AuditEntry.objects.filter(action="review.finished").count() == 1
    assert not claims.claim(review, personas.paula)  # a finished review is nobody's to claim
    assert REVIEW.illegal(["pending", "finished"]) == [
        ("pending", "pending"),
        ("finished", "pending"),
        ("finished", "finished"),
    ]


def test_a_violation_found_without_an_alert_is_recorded(personas: Personas) -> None:
    attempt = finished_attempt(personas)
    review = review_of(attempt)
    assert claims.claim(review, personas.paula)
    decisions.finish(review, "violation", "Notes on the desk in view 2", actor=personas.paula)
    violation = Violation.objects.get(attempt=attempt)
    assert violation.kind == "other" and violation.note == "Notes on the desk in view 2"


def test_the_pages_of_the_queue(personas: Personas) -> None:
    attempt = finished_attempt(personas)
    phone = alert(attempt, AlertKind.DEVICE, Severity.HIGH, timezone.now(), confidence=0.87)
    paula, sam = client_of("paula"), client_of("sam")

    page = paula.get(f"/review/exams/{personas.formal.pk}/")
    assert page.status_code == 200
    review = AttemptReview.objects.get(attempt=attempt)
    assert f'data-review-id="{review.pk}"' in page.content.decode()
    assert paula.get("/review/").status_code == 200
    assert personas.formal.code in paula.get("/review/").content.decode()

    # Paula claims; Sam's claim of the same attempt is refused with her name.
    assert paula.post(f"/review/attempts/{review.pk}/claim/").status_code == 302
    refused = sam.post(f"/review/attempts/{review.pk}/claim/", follow=True)
    assert "Paula" in refused.content.decode()
    assert AttemptReview.objects.get(pk=review.pk).claimed_by == personas.paula

    shown = paula.get(f"/review/attempts/{review.pk}/").content.decode()
    assert 'class="review-decision-form alert-decision"' in shown
    assert '<span class="alert-confidence">87%</span>' in shown
    assert 'id="review-data"' in shown  # the player
    # Sam sees the attempt but no decision form.
    assert "alert-decision" not in sam.get(f"/review/attempts/{review.pk}/").content.decode()

    # A decision without a reason: refused, nothing written.
    paula.post(f"/review/attempts/{review.pk}/alerts/{phone.pk}/decision/", {"outcome": "warning"})
    assert Alert.objects.get(pk=phone.pk).decision == ""
    paula.post(
        f"/review/attempts/{review.pk}/alerts/{phone.pk}/decision/",
        {"outcome": "warning", "reason": "A calculator, allowed"},
    )
    assert Alert.objects.get(pk=phone.pk).decision == AlertDecision.CONFIRMED
    done = paula.post(
        f"/review/attempts/{review.pk}/finish/",
        {"outcome": "warning", "reason": "Calculator on the desk"},
    )
    assert done.status_code == 302
    assert AttemptReview.objects.get(pk=review.pk).status == ReviewStatus.FINISHED


@pytest.mark.parametrize(("who", "status"), [("pete", 404), ("olga", 404), ("ingrid", 403)])
def test_others_cannot_reach_the_queue_or_the_attempt(
    personas: Personas, who: str, status: int
) -> None:
    attempt = finished_attempt(personas)
    review = review_of(attempt)
    client = client_of(who)
    assert client.get(f"/review/attempts/{review.pk}/").status_code == status
    assert client.post(f"/review/attempts/{review.pk}/claim/").status_code == status
    if who != "pete":  # pete sees dave's attempt of the same exam, in his room
        assert client.get(f"/review/exams/{personas.formal.pk}/").status_code == status
    assert AttemptReview.objects.get(pk=review.pk).claimed_by is None


def test_pete_sees_only_his_room_in_the_queue(personas: Personas) -> None:
    carol = finished_attempt(personas, "carol")
    dave = finished_attempt(personas, "dave")
    page = client_of("pete").get(f"/review/exams/{personas.formal.pk}/").content.decode()
    assert f'data-attempt-id="{dave.pk}"' in page
    assert f'data-attempt-id="{carol.pk}"' not in page


def test_the_precision_page(personas: Personas) -> None:
    attempt = finished_attempt(personas)
    t = timezone.now()
    for i, decision in enumerate(["confirmed", "confirmed", "confirmed", "dismissed", ""]):
        a = alert(attempt, AlertKind.DEVICE, Severity.HIGH, t + dt.timedelta(minutes=i))
        Alert.objects.filter(pk=a.pk).update(decision=decision)
    response = client_of("oscar").get(f"/review/exams/{personas.formal.pk}/precision/")
    assert response.status_code == 200
    rows = dict((here.kind, here) for here, _ in response.context["rows"])
    device = rows[AlertKind.DEVICE]
    assert (device.raised, device.confirmed, device.decided) == (5, 3, 4)
    assert device.precision == 0.75
    low, high = device.interval()
    assert low < 0.75 < high
    assert "75 %" in response.content.decode()
    # The exam's set-up owns the page: a proctor of the room may not see it.
    assert (
        client_of("paula").get(f"/review/exams/{personas.formal.pk}/precision/").status_code == 403
    )
    assert f"/review/exams/{personas.formal.pk}/precision/" in (
        client_of("oscar").get(f"/exam/manage/{personas.formal.pk}/").content.decode()
    )


# --- The quiet stretches the player skips (proctoring.activity) --------------------------------


def test_quiet_stretches_need_analyses_showing_stillness(personas: Personas) -> None:
    attempt = finished_attempt(personas)
    t0 = timezone.now() - dt.timedelta(minutes=10)
    ms0 = int(t0.timestamp() * 1000)
    at = lambda s: t0 + dt.timedelta(seconds=s)  # noqa: E731
    # View 1 analysed every 5 s for 0–120 s; the face moves at 60 s; nothing analysed 120–180 s.
    samples = [(at(s), face_result(left=100 + (40 if s == 60 else 0))) for s in range(0, 125, 5)]
    samples.append((at(180), face_result()))
    analyses(attempt, 1, samples)
    # An alert at 90–93 s.
    alert(attempt, AlertKind.LOOKING_AWAY, Severity.LOW, at(90))

    quiet = activity.attempt_quiet_spans(
        attempt, [(int(at(90).timestamp() * 1000), int(at(93).timestamp() * 1000))]
    )
    relative = [((s - ms0) / 1000, (e - ms0) / 1000) for s, e in quiet]
    # Still 0–55 (the move shows between 55 and 65); 65–85 before the alert's lead-in, too
    # short past its trail (98–120 is 22 s: kept); nothing after 120 (not analysed).
    assert relative == [(0.0, 55.0), (65.0, 85.0), (98.0, 120.0)]

    # A second view analysed only in part: only what both show still is quiet.
    analyses(attempt, 2, [(at(s), face_result()) for s in range(0, 40, 5)])
    quiet = activity.attempt_quiet_spans(attempt, [])
    assert [((s - ms0) / 1000, (e - ms0) / 1000) for s, e in quiet] == [(0.0, 35.0)]


def test_the_review_timeline_carries_quiet_stretches_and_confidence(personas: Personas) -> None:
    attempt = finished_attempt(personas)
    t0 = timezone.now() - dt.timedelta(minutes=5)
    segments(attempt, 1, t0, 6, webm(1.0))
    analyses(attempt, 1, [(t0 + dt.timedelta(seconds=s), face_result()) for s in range(0, 61, 5)])
    alert(attempt, AlertKind.DEVICE, Severity.HIGH, t0 + dt.timedelta(seconds=50), confidence=0.7)
    response = client_of("paula").get(f"/proctor/attempts/{attempt.pk}/review/")
    timeline = response.context["timeline"]
    assert timeline["alerts"][0]["confidence"] == 0.7
    start = int(t0.timestamp() * 1000)
    assert [(q["start"] - start, q["end"] - start) for q in timeline["quiet"]] == [(0, 45000)]
    page = response.content.decode()
    assert 'data-speed="16"' in page and 'id="skip-quiet"' in page


def test_the_review_page_reads_only_the_analysis_fields_it_compares(personas: Personas) -> None:
    """Each analysis carries its detections and model details (about 20 KB here, like a busy
    frame's): the review page reads the few fields the quiet stretches compare, in one query
    however many analyses there are, and gets the same stretches as from the whole results."""
    from django.test.utils import CaptureQueriesContext

    attempt = finished_attempt(personas)
    t0 = timezone.now() - dt.timedelta(minutes=5)
    at = lambda s: t0 + dt.timedelta(seconds=s)  # noqa: E731
    bulky = [{"label": "chair", "confidence": 0.5, "box": [i, i, i + 9, i + 9]} for i in range(400)]
    stored = [
        (at(s), face_result(left=100 + (40 if s == 60 else 0), objects=bulky))
        for s in range(0, 125, 5)
    ]
    analyses(attempt, 1, stored)
    whole = sum(len(json.dumps(result)) for _at, result in stored)
    assert whole > 25 * 15_000

    with CaptureQueriesContext(connection) as reads:
        samples = activity.attempt_samples(attempt)
    assert len(reads.captured_queries) == 1
    with connection.cursor() as cursor:
        cursor.execute(reads.captured_queries[0]["sql"])
        fetched = cursor.fetchall()
    assert len(fetched) == 25
    size = sum(len(str(value)) for row in fetched for value in row)
    assert size < 25 * 300, size  # a few hundred bytes a row, never the detections

    # The narrow read decides exactly as the whole results would.
    full = [(int(when.timestamp() * 1000), result) for when, result in stored]
    gap = activity.max_sample_gap_ms()
    assert samples[1] and activity.still_spans(samples[1], gap) == activity.still_spans(full, gap)
    assert activity.still_spans(samples[1], gap)  # still stretches around the move at 60 s

    # The page's queries do not grow with the analyses.
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as page:
            response = client_of("paula").get(f"/proctor/attempts/{attempt.pk}/review/")
        assert response.status_code == 200
        return len(page.captured_queries)

    before = page_queries()
    analyses(attempt, 2, [(at(s), face_result(objects=bulky)) for s in range(0, 125, 5)])
    assert page_queries() == before


@pytest.mark.parametrize("every_minutes", [1, 3, 10])
def test_player_time_of_a_ninety_minute_attempt(every_minutes: int) -> None:
    """The figures of docs/performance.md: the skip logic on a 90-minute attempt with five
    alerts (``tests.review_world.ninety_minute_attempt``), printed with ``-s``."""
    import time

    from tests.review_world import ninety_minute_attempt

    samples, alerts, start, end = ninety_minute_attempt(move_every_s=every_minutes * 60)
    cpu = time.process_time()
    quiet = activity.quiet_spans(samples, alerts, max_gap_ms=activity.max_sample_gap_ms())
    cpu = time.process_time() - cpu
    skipped = sum(e - s for s, e in quiet)
    # Nothing of an alert (with its lead-in and trail) is ever skipped.
    for a_start, a_end in alerts:
        assert not activity.intersect(quiet, [(a_start - 5000, a_end + 5000)])
    figures = {
        speed: activity.player_seconds(start, end, quiet, speed=speed, seek_cost_s=0.5)
        for speed in (1, 4, 16)
    }
    print(
        f"\nmovement every {every_minutes} min per view: {len(quiet)} skips, "
        f"{skipped / 60000:.1f} of 90 min skipped; player time "
        + ", ".join(f"{speed}x {secs / 60:.1f} min" for speed, secs in figures.items())
        + f"; quiet stretches computed in {cpu * 1000:.1f} ms CPU "
        f"({sum(len(v) for v in samples.values())} analyses)"
    )
    assert figures[1] < 90 * 60
    assert figures[16] < figures[4] < figures[1]
