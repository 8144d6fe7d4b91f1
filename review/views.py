"""The review pages (issue 16 §1, issue 15 §4). Thin: the work is in ``review.queue``,
``review.claims`` and ``review.decisions``.

Who may do what: reviewers are the staff who may watch a room (proctors of the room, its site's
administrators, the evaluation organisation); each sees the queue of the attempts in their
rooms only, and an attempt outside them is a 404 like one that does not exist. The precision
page belongs to the exam's set-up (the evaluation organisation, ``Exam.objects.managed_by``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from accounts.roles import Role
from core.errors import Refused, as_message
from exams.models import Attempt, Exam
from proctoring.models import Alert
from proctoring.recording_views import review_context
from review import appeals, claims, decisions, precision, queue
from review.models import Appeal, AttemptReview, Outcome
from review.statuses import AppealStatus, ReviewStatus

REVIEWERS = (Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)


def _exam(request: HttpRequest, exam_id: int) -> Exam:
    """The exam, if the user may review some attempt of it or set it up."""
    exam = get_object_or_404(Exam, pk=exam_id)
    visible = Attempt.objects.visible_to_staff(request.user).filter(registration__exam=exam)
    if not (visible.exists() or Exam.objects.managed_by(request.user).filter(pk=exam.pk)):
        raise Http404
    return exam


def _review(request: HttpRequest, review_id: int) -> AttemptReview:
    return get_object_or_404(
        AttemptReview.objects.filter(
            attempt__in=Attempt.objects.visible_to_staff(request.user)
        ).select_related("attempt", "exam", "claimed_by", "finished_by"),
        pk=review_id,
    )


@role_required(*REVIEWERS)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The exams with finished attempts in the user's rooms, each with its queue."""
    attempts = Attempt.objects.visible_to_staff(request.user).filter(status__in=queue.REVIEWED)
    exams = (
        Exam.objects.filter(registrations__attempts__in=attempts).distinct().order_by("-opens_at")
    )
    return render(request, "review/index.html", {"exams": exams})


@role_required(*REVIEWERS)
def exam_queue(request: HttpRequest, exam_id: int) -> HttpResponse:
    """GET: the exam's queue. POST: claim the next attempt of highest priority."""
    exam = _exam(request, exam_id)
    if request.method == "POST":
        review = queue.claim_next(exam, request.user, request=request)
        if review is None:
            messages.info(request, _("Nothing is waiting for review that nobody holds."))
            return redirect("review:queue", exam_id=exam.pk)
        return redirect("review:attempt", review_id=review.pk)
    entries = queue.entries(exam, request.user)
    return render(
        request,
        "review/queue.html",
        {
            "exam": exam,
            "entries": entries,
            "waiting": sum(1 for e in entries if not e.finished),
            "can_see_precision": Exam.objects.managed_by(request.user).filter(pk=exam.pk).exists(),
        },
    )


@require_POST
@role_required(*REVIEWERS)
def claim(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    if claims.claim(review, request.user, request=request):
        return redirect("review:attempt", review_id=review.pk)
    # Read again: the claim that won may have been made after this request read the row.
    review.refresh_from_db()
    holder = claims.held_by(review)
    if review.status == ReviewStatus.FINISHED:
        messages.error(request, _("This review is finished already."))
    elif holder is not None:
        messages.error(
            request,
            _("%(name)s is reviewing this attempt already.") % {"name": holder.display_name},
        )
    return redirect("review:queue", exam_id=review.exam_id)


@require_POST
@role_required(*REVIEWERS)
def release(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    if claims.release(review, request.user, request=request):
        messages.info(request, _("The attempt is back in the queue."))
    return redirect("review:queue", exam_id=review.exam_id)


@role_required(*REVIEWERS)
@require_GET
def attempt(request: HttpRequest, review_id: int) -> HttpResponse:
    """The review page of the attempt (the recording's player, timeline and evidence) with the
    decisions: forms for the reviewer who holds it, the decisions taken for everyone."""
    review = _review(request, review_id)
    context = review_context(review.attempt)
    holder = claims.held_by(review)
    linked = decisions.violation_alerts(review.attempt)
    context.update(
        {
            "review": review,
            "holder": holder,
            "mine": holder is not None and holder.pk == request.user.pk,
            "outcomes": Outcome.choices,
            "alert_outcomes": {
                a.pk: Outcome(o).label
                for a in context["alerts"]
                if (o := decisions.alert_outcome(a, linked))
            },
            "undecided": sum(1 for a in context["alerts"] if not a.decision),
        }
    )
    return render(request, "review/attempt.html", context)


@require_POST
@role_required(*REVIEWERS)
def decide_alert(request: HttpRequest, review_id: int, alert_id: int) -> HttpResponse:
    review = _review(request, review_id)
    try:
        decisions.decide_alert(
            review,
            alert_id,
            request.POST.get("outcome"),
            request.POST.get("reason"),
            actor=request.user,
            request=request,
        )
    except Refused as refused:
        as_message(request, refused)
    else:
        messages.success(request, _("The alert's decision is recorded."))
    return redirect("review:attempt", review_id=review.pk)


@require_POST
@role_required(*REVIEWERS)
def finish(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    try:
        decisions.finish(
            review,
            request.POST.get("outcome"),
            request.POST.get("reason"),
            actor=request.user,
            request=request,
        )
    except Refused as refused:
        as_message(request, refused)
        return redirect("review:attempt", review_id=review.pk)
    messages.success(request, _("The review is finished."))
    return redirect("review:queue", exam_id=review.exam_id)


@role_required(Role.ORG_ADMIN)
@require_GET
def rule_precision(request: HttpRequest, exam_id: int) -> HttpResponse:
    """Each alert rule's precision on this exam and on every exam, from the decisions."""
    exam = get_object_or_404(Exam.objects.managed_by(request.user), pk=exam_id)
    here = precision.by_rule(Alert.objects.filter(attempt__registration__exam=exam))
    everywhere = precision.by_rule()
    rows = [(here[kind], everywhere[kind]) for kind in here if everywhere[kind].raised]
    return render(request, "review/precision.html", {"exam": exam, "rows": rows})


# --- The candidate's side: the decided flags and the appeal (issue 16 §5) ----------------------


@role_required(Role.CANDIDATE)
def flags(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """GET: the candidate's decided flags of the attempt, the appeal and its decision. POST:
    the appeal. A 404 for another's attempt, or while the exam's policy or an unfinished review
    keeps the flags hidden."""
    attempt = get_object_or_404(
        Attempt.objects.of_candidate(request.user).select_related("registration__exam"),
        pk=attempt_id,
    )
    if not appeals.flags_visible(attempt):
        raise Http404
    if request.method == "POST":
        try:
            appeals.file_appeal(
                attempt,
                request.POST.get("statement"),
                request.FILES.get("attachment"),
                actor=request.user,
                request=request,
            )
        except Refused as refused:
            as_message(request, refused)
        else:
            messages.success(request, _("Your appeal is submitted. A second reviewer decides it."))
        return redirect("review:flags", attempt_id=attempt.pk)
    review = appeals.finished_review(attempt)
    assert review is not None
    refusal = appeals.refusal(attempt)
    return render(
        request,
        "review/flags.html",
        {
            "attempt": attempt,
            "exam": attempt.registration.exam,
            "flags": appeals.decided_flags(attempt),
            "appeal": Appeal.objects.filter(attempt=attempt).first(),
            "deadline": appeals.deadline(review),
            "refusal": refusal,
            "statement_max": appeals.STATEMENT_MAX_CHARS,
        },
    )


def _appeal(request: HttpRequest, appeal_id: int) -> Appeal:
    return get_object_or_404(
        Appeal.objects.filter(
            attempt__in=Attempt.objects.visible_to_staff(request.user)
        ).select_related("attempt__registration__candidate", "attempt__registration__exam"),
        pk=appeal_id,
    )


@role_required(*REVIEWERS)
@require_GET
def exam_appeals(request: HttpRequest, exam_id: int) -> HttpResponse:
    """The exam's appeals in the user's rooms, those waiting first."""
    exam = _exam(request, exam_id)
    rows = list(
        Appeal.objects.filter(
            attempt__registration__exam=exam,
            attempt__in=Attempt.objects.visible_to_staff(request.user),
        ).select_related("attempt__registration__candidate", "decided_by")
    )
    rows.sort(key=lambda a: (a.status != AppealStatus.SUBMITTED, a.created_at))
    return render(request, "review/appeals.html", {"exam": exam, "appeals": rows})


@role_required(*REVIEWERS)
def appeal(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """GET: the appeal with the flags it is against. POST: the second reviewer's decision."""
    row = _appeal(request, appeal_id)
    if request.method == "POST":
        try:
            appeals.decide(
                row,
                request.POST.get("decision") == "uphold",
                request.POST.get("reason"),
                actor=request.user,
                request=request,
            )
        except Refused as refused:
            as_message(request, refused)
            return redirect("review:appeal", appeal_id=row.pk)
        messages.success(request, _("The appeal is decided."))
        return redirect("review:appeals", exam_id=row.attempt.registration.exam_id)
    return render(
        request,
        "review/appeal.html",
        {
            "appeal": row,
            "exam": row.attempt.registration.exam,
            "flags": appeals.decided_flags(row.attempt),
            "first_reviewer": request.user.pk in appeals.first_reviewers(row.attempt),
        },
    )


@role_required(*REVIEWERS)
@require_GET
def appeal_attachment(request: HttpRequest, appeal_id: int) -> Any:  # a FileResponse
    """The appeal's attachment, for the reviewers who may see the appeal; always a download
    (never shown inline: a PDF is the candidate's file)."""
    row = _appeal(request, appeal_id)
    extension = row.attachment.name.rsplit(".", 1)[-1]
    response = FileResponse(
        row.attachment.open("rb"),
        as_attachment=True,
        filename=f"appeal-{row.pk}.{extension}",
        content_type=row.attachment_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
