"""The review pages (issue 16 §1, issue 15 §4). Thin: the work is in ``review.queue``,
``review.claims`` and ``review.decisions``.

Who may do what: reviewers are the staff who may watch a room (proctors of the room, its site's
administrators, the evaluation organisation); each sees the queue of the attempts in their
rooms only, and an attempt outside them is a 404 like one that does not exist. The precision
page belongs to the exam's set-up (the evaluation organisation, ``Exam.objects.managed_by``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from accounts.roles import Role
from core.errors import Refused, as_message
from exams.models import Attempt, Exam
from proctoring.models import Alert
from proctoring.recording_views import review_context
from review import claims, decisions, precision, queue
from review.models import AttemptReview, Outcome
from review.statuses import ReviewStatus

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
