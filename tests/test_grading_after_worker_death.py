"""A paper is graded within a minute of its worker's death.

A worker killed while it holds the grading task takes the task with it: Redis gives an
unacknowledged task back only after the broker's visibility time-out (far longer than a
minute, see the settings). The re-grade job finds the paper submitted and still ungraded and
queues it again; grading the same paper twice changes nothing. Here the lost task is really
lost (taken off the Redis queue before any worker saw it), the job is the beat's own task, and
the grading runs in a real Celery worker."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from audit.models import AuditEntry
from config.celery import app
from exams import services, tasks
from exams.models import Attempt, Registration
from exams.statuses import AttemptStatus
from tests.personas import Personas, answering


def test_the_settings_grade_a_paper_within_a_minute_of_a_lost_task() -> None:
    # A pool process that dies gives its task back at once (acknowledged late, rejected when
    # the worker is lost), to be run by another process.
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    # A whole worker killed: the re-grade job's period plus how overdue a paper must be is the
    # longest a paper waits after its grading was due.
    period = settings.CELERY_BEAT_SCHEDULE["regrade-stuck-attempts"]["schedule"]
    assert isinstance(period, float)
    assert period + settings.EXAM_REGRADE_AFTER_SECONDS <= 60
    # Overdue means lost, not slow: grading takes well under a second.
    assert settings.EXAM_REGRADE_AFTER_SECONDS >= 30
    # Redis re-delivers an unacknowledged task after the visibility time-out: it must outlast
    # the longest job, or a job still running would be run a second time.
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility == settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > settings.JOBS_TIME_LIMIT_SECONDS


def graded_events(attempt: Attempt) -> int:
    return AuditEntry.objects.filter(action="attempt.graded", target_id=str(attempt.pk)).count()


@pytest.mark.django_db(transaction=True)
def test_a_paper_whose_grading_task_died_with_its_worker_is_graded_by_the_next_regrade(
    personas: Personas,
) -> None:
    attempt = answering(Registration.objects.get(exam=personas.formal, candidate=personas.carol))
    services.save_answer(attempt.pk, int(attempt.paper[0]["question"]), "B", 1)
    services.submit(attempt)  # queues the grading task on the Redis broker
    assert app.control.purge() >= 1  # ... which is lost: no worker will ever run it
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED

    # Just submitted: not overdue, the job leaves it to its own task.
    assert tasks.regrade_stuck_attempts() == 0
    overdue = timezone.now() - dt.timedelta(seconds=settings.EXAM_REGRADE_AFTER_SECONDS + 1)
    Attempt.objects.filter(pk=attempt.pk).update(submitted_at=overdue)

    with start_worker(
        app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
    ):
        assert tasks.regrade_stuck_attempts() == 1  # the beat's task, as the beat runs it
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            attempt.refresh_from_db()
            if attempt.status == AttemptStatus.GRADED:
                break
            time.sleep(0.2)
        assert attempt.status == AttemptStatus.GRADED
        assert (attempt.score, attempt.max_score) == (1, 6)
        # The lost task turning up after all (Redis's re-delivery) changes nothing.
        tasks.grade_attempt.apply(args=(attempt.pk,))
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score) == (AttemptStatus.GRADED, 1)
    assert graded_events(attempt) == 1
    assert tasks.regrade_stuck_attempts() == 0


@pytest.mark.django_db
def test_a_paper_submitted_at_time_out_waits_for_late_answers_before_it_counts_as_overdue(
    carol_attempt: Attempt,
) -> None:
    """Grading of a paper submitted once time ran out starts after the save grace (answers
    typed in time may still arrive): the re-grade job must not grade it earlier."""
    assert carol_attempt.deadline is not None
    after_deadline = carol_attempt.deadline + dt.timedelta(seconds=1)
    services.submit(carol_attempt, reason="time_over", now=after_deadline)
    carol_attempt.refresh_from_db()
    assert carol_attempt.submitted_at == carol_attempt.deadline
    due = carol_attempt.deadline + services.save_grace()
    wait = dt.timedelta(seconds=settings.EXAM_REGRADE_AFTER_SECONDS)
    assert services.stuck_in_grading(now=due + wait - dt.timedelta(seconds=1)) == []
    assert services.stuck_in_grading(now=due + wait + dt.timedelta(seconds=1)) == [carol_attempt.pk]
