"""Pages of the vision app: staff enrol (one by one or in bulk) and unbind candidates' faces.
Sections other apps add to these pages (the identity reviews of the exam flow) come through
``vision.panels``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import role_required
from accounts.roles import Role
from candidates.models import Candidate
from core import search_terms
from core.lifecycle import IllegalTransition
from jobs import services as job_services
from vision import bulk, panels, services, tasks
from vision.forms import EnrolPhotoForm, UnbindForm
from vision.images import ImageError
from vision.models import FaceEnrolment
from vision.statuses import EnrolmentStatus

STAFF = (Role.SITE_ADMIN, Role.ORG_ADMIN)
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
PAGE_SIZE = 50


def _candidates_for(user: Any) -> QuerySet[Candidate]:
    return bulk.candidates_for(user)


@role_required(*STAFF)
@require_http_methods(["GET", "HEAD", "POST"])
def enrolments(request: HttpRequest) -> HttpResponse:
    """Every candidate the user may enrol, filtered and paginated, with the bulk enrolment of
    the matching ones from their registered photos. The search term (a name, an ID number or
    a phone number) is posted and kept in the session (``core.search_terms``)."""
    searched = search_terms.handle(request, keep=("face", "photo"))
    if searched is not None:
        return searched
    filters = bulk.Filters.from_query({**request.GET.dict(), "q": search_terms.term(request)})
    candidates = bulk.matching(request.user, filters)
    page = Paginator(candidates, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "vision/enrolments.html",
        {
            "page": page,
            "filters": filters,
            "face_states": bulk.FACE_STATES,
            "to_enrol": candidates.exclude(photo="")
            .exclude(face_enrolment__status=EnrolmentStatus.ENROLLED)
            .count(),
            "sections": panels.list_sections(request),
        },
    )


@role_required(*STAFF)
@require_POST
def bulk_enrol(request: HttpRequest) -> HttpResponse:
    """Queue the enrolment of every candidate matching the page's filters from their
    registered photo; the job page shows the progress, then the per-candidate report."""
    filters = bulk.Filters.from_query(request.POST)
    total = bulk.matching(request.user, filters).count()
    if not total:
        messages.error(request, _("No candidate matches the filters: change them and try again."))
        # The term stays in the session, out of the address (core.search_terms).
        params = {name: value for name, value in filters.as_params().items() if name != "q"}
        return redirect(f"{reverse('vision:enrolments')}?{urlencode(params)}")
    job = job_services.start(bulk.KIND, request.user, params=filters.as_params(), total=total)
    return redirect("jobs:detail", job_id=job.pk)


@role_required(*STAFF)
def candidate_face(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = get_object_or_404(_candidates_for(request.user), pk=candidate_id)
    enrolment = FaceEnrolment.objects.filter(candidate=candidate).first()
    form = EnrolPhotoForm()
    if request.method == "POST":
        action = request.POST.get("action")
        data: bytes | None = None
        source = FaceEnrolment.Source.UPLOAD
        if action == "upload":
            form = EnrolPhotoForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["photo"]
                if upload.size > MAX_UPLOAD_BYTES:
                    form.add_error("photo", _("The file is larger than 15 MB."))
                else:
                    data = upload.read()
        elif action == "registered":
            photo = getattr(candidate, "photo", None)
            if photo:
                with photo.open("rb") as handle:
                    data = handle.read()
                source = FaceEnrolment.Source.REGISTERED_PHOTO
            else:
                messages.error(request, _("This candidate has no registered photo."))
        if data is not None:
            try:
                with transaction.atomic():
                    enrolment = services.start_enrolment(
                        candidate, data, source, actor=request.user, request=request
                    )
                    enrolment_id = enrolment.pk
                    transaction.on_commit(lambda: tasks.enrol_face.delay(enrolment_id))
            except ImageError as exc:
                form.add_error(None, exc.message) if action == "upload" else messages.error(
                    request, exc.message
                )
            except IllegalTransition:
                messages.error(request, _("The face is enrolled. Unbind it first to enrol again."))
            else:
                messages.success(request, _("The photo is being checked; refresh in a moment."))
                return redirect("vision:candidate-face", candidate_id=candidate.pk)
    return render(
        request,
        "vision/candidate_face.html",
        {
            "candidate": candidate,
            "enrolment": enrolment,
            "form": form,
            "unbind_form": UnbindForm(),
            "has_photo": bool(getattr(candidate, "photo", None)),
            "sections": panels.candidate_sections(request, candidate),
        },
    )


@role_required(*STAFF)
@require_POST
def unbind(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = get_object_or_404(_candidates_for(request.user), pk=candidate_id)
    enrolment = get_object_or_404(
        FaceEnrolment.objects.visible_to(request.user), candidate=candidate
    )
    form = UnbindForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for unbinding the face."))
    elif enrolment.status != EnrolmentStatus.ENROLLED:
        messages.error(request, _("Only an enrolled face can be unbound."))
    elif services.unbind(
        enrolment, actor=request.user, request=request, reason=form.cleaned_data["reason"]
    ):
        messages.success(request, _("The face was unbound. The candidate must enrol again."))
    return redirect("vision:candidate-face", candidate_id=candidate.pk)


@role_required(*STAFF)
@require_GET
def enrolment_image(request: HttpRequest, candidate_id: int) -> Any:  # a FileResponse
    enrolment = get_object_or_404(
        FaceEnrolment.objects.visible_to(request.user), candidate_id=candidate_id
    )
    if not enrolment.image:
        raise Http404
    return FileResponse(enrolment.image.open("rb"), content_type="image/jpeg")
