"""Signals other apps receive without exams importing them.

``attempt_graded`` is sent inside the grading transaction, once an attempt has become graded,
with ``attempt`` (the graded attempt) and ``registration``. Receivers that write elsewhere (an
exam plan's scores) keep their writes in a savepoint of their own and never raise into grading:
a lost score is collected again later, a lost grade would not be.

``second_sign_in`` is sent when another browser session of the candidate tries to sign in to
a live attempt another session holds (``outcome="refused"``), or took over the attempt of a
session gone quiet after its own identity check (``outcome="took_over"``), with ``attempt``.
The proctoring app raises the room's alert from it.

``page_event_recorded`` is sent inside the transaction that records what the exam page reported
(``services.record_event``) or that ends an attempt for a leave past its grace, with
``attempt``, ``kind`` (``AttemptEvent.Kind``), ``action`` (``logged``, ``warned``, ``pending``
or ``consumed``) and ``at``. The proctoring app opens and closes
the left-page alert from it; receivers keep their writes in a savepoint and never raise.

``attempt_ended`` is sent inside the transaction that moves an attempt out of the exam
(submitted, declined or ended by the proctor), with ``attempt`` and ``status``. The proctoring
app closes the attempt's open alerts from it: nothing goes on after the end."""

from __future__ import annotations

from django.dispatch import Signal

attempt_graded = Signal()
second_sign_in = Signal()
page_event_recorded = Signal()
attempt_ended = Signal()
