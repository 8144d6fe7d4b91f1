"""Signals other apps receive without exams importing them.

``attempt_graded`` is sent inside the grading transaction, once an attempt has become graded,
with ``attempt`` (the graded attempt) and ``registration``. Receivers that write elsewhere (an
exam plan's scores) keep their writes in a savepoint of their own and never raise into grading:
a lost score is collected again later, a lost grade would not be."""

from __future__ import annotations

from django.dispatch import Signal

attempt_graded = Signal()
