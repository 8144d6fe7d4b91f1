"""Face enrolment in bulk: the candidates a member of staff may enrol, the filters of the staff
faces page, and the background job that enrols every matching candidate from their registered
photo with a per-candidate report.

The job runs on a ``vision`` worker (the kind's queue in ``jobs.services.KINDS``) because it
needs the face models. Each candidate is enrolled through the same ``services.start_enrolment``
and ``services.complete_enrolment`` as the one-candidate page, so the rules, the encrypted
template and the audit rows are the same. Unlike an import, the job is not all-or-nothing: each
candidate's enrolment is its own transaction, so a job stopped half-way keeps the faces it
enrolled and a second run reports them as already enrolled.

The job's result names candidates by primary key only; names and ID numbers are looked up when
the report is shown or downloaded, by someone who may see them.
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from candidates.models import Candidate
from core.lifecycle import IllegalTransition
from vision import services
from vision.images import ImageError
from vision.models import FaceEnrolment
from vision.statuses import EnrolmentStatus

if TYPE_CHECKING:
    from jobs.models import BackgroundJob
    from jobs.services import Outcome, Progress

log = logging.getLogger(__name__)

KIND = "vision.bulk_enrolment"

# What happened to each candidate, in the order the report lists the counts.
ENROLLED = "enrolled"
NO_FACE = "no_face"
SEVERAL_FACES = "several_faces"
POOR_QUALITY = "poor_quality"
ALREADY_ENROLLED = "already_enrolled"
NO_PHOTO = "no_photo"
OUTCOMES: dict[str, Any] = {
    ENROLLED: gettext_lazy("Enrolled"),
    NO_FACE: gettext_lazy("No face in the photo"),
    SEVERAL_FACES: gettext_lazy("Several faces in the photo"),
    POOR_QUALITY: gettext_lazy("Photo of poor quality"),
    ALREADY_ENROLLED: gettext_lazy("Already enrolled"),
    NO_PHOTO: gettext_lazy("No registered photo"),
}

# The filter of the faces page on the enrolment's state; "none" is "never enrolled".
FACE_STATES: list[tuple[str, Any]] = [
    ("none", gettext_lazy("Not enrolled")),
    *EnrolmentStatus.choices,
]


def candidates_for(user: Any) -> QuerySet[Candidate]:
    """The candidates ``user`` may enrol: every one for the evaluation organisation, those
    registered at their site for a site administrator, none for anyone else."""
    qs = Candidate.objects.select_related("face_enrolment")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.has_role(Role.ORG_ADMIN):
        return qs
    if user.role == Role.SITE_ADMIN and user.site_id:
        return qs.filter(site_id=user.site_id)
    return qs.none()


@dataclass(frozen=True)
class Filters:
    """The faces page's filters, from its query string; unknown values mean "any"."""

    q: str = ""
    face: str = ""
    photo: str = ""

    @classmethod
    def from_query(cls, query: Any) -> Filters:
        face = str(query.get("face", ""))
        photo = str(query.get("photo", ""))
        return cls(
            q=str(query.get("q", "")).strip()[:100],
            face=face if face in dict(FACE_STATES) else "",
            photo=photo if photo in ("yes", "no") else "",
        )

    def as_params(self) -> dict[str, str]:
        return {"q": self.q, "face": self.face, "photo": self.photo}

    def apply(self, candidates: QuerySet[Candidate]) -> QuerySet[Candidate]:
        candidates = candidates.search(self.q)  # type: ignore[attr-defined]
        if self.face == "none":
            candidates = candidates.filter(face_enrolment__isnull=True)
        elif self.face:
            candidates = candidates.filter(face_enrolment__status=self.face)
        if self.photo == "yes":
            candidates = candidates.exclude(photo="")
        elif self.photo == "no":
            candidates = candidates.filter(photo="")
        return candidates


def matching(user: Any, filters: Filters) -> QuerySet[Candidate]:
    return filters.apply(candidates_for(user)).order_by("name", "pk")


def outcome_of(enrolment: FaceEnrolment | None) -> str:
    """The report's outcome for an enrolment that has just been processed."""
    if enrolment is None:
        return POOR_QUALITY
    if enrolment.status == EnrolmentStatus.ENROLLED:
        return ENROLLED
    if enrolment.problem_code in (NO_FACE, SEVERAL_FACES):
        return enrolment.problem_code
    return POOR_QUALITY


def enrol_one(candidate: Candidate, actor: Any) -> tuple[str, str]:
    """Enrol ``candidate`` from their registered photo now (in this process, which has the
    models); returns (outcome, the reason shown to staff when it did not work)."""
    enrolment = getattr(candidate, "face_enrolment", None)
    if enrolment is not None and enrolment.status == EnrolmentStatus.ENROLLED:
        return ALREADY_ENROLLED, ""
    if not candidate.photo:
        return NO_PHOTO, ""
    try:
        with candidate.photo.open("rb") as handle:
            data = handle.read()
        enrolment = services.start_enrolment(
            candidate, data, FaceEnrolment.Source.REGISTERED_PHOTO, actor=actor
        )
        enrolment = services.complete_enrolment(enrolment.pk)
    except ImageError as exc:
        return POOR_QUALITY, exc.message
    except OSError:
        return POOR_QUALITY, _("The registered photo file cannot be read.")
    except IllegalTransition:  # enrolled by someone else since the page was read
        return ALREADY_ENROLLED, ""
    outcome = outcome_of(enrolment)
    return outcome, "" if outcome == ENROLLED or enrolment is None else enrolment.problem


def run_bulk_enrolment(job: BackgroundJob, progress: Progress) -> Outcome:
    """Enrol the candidates matching ``job.params`` (the page's filters) that the owner may
    enrol now: access is checked again when the job runs, not only when it was queued."""
    from jobs.services import JobRefused, Outcome

    filters = Filters.from_query(job.params)
    ids = list(matching(job.owner, filters).values_list("pk", flat=True))
    if not ids:
        raise JobRefused(_("No candidate you may enrol matches the filters."))
    rows: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    progress(0, len(ids))
    for done, candidate_id in enumerate(ids, start=1):
        candidate = candidates_for(job.owner).filter(pk=candidate_id).first()
        if candidate is not None:
            outcome, reason = enrol_one(candidate, job.owner)
            counts[outcome] += 1
            rows.append({"candidate": candidate_id, "outcome": outcome, "reason": reason})
        progress(done, len(ids))
    # Counts only: the log must not carry who was enrolled.
    log.info("bulk face enrolment job %s: %s", job.pk, dict(counts))
    result = {"counts": {code: counts.get(code, 0) for code in OUTCOMES}, "rows": rows}
    return Outcome(result=result, file=report_workbook(job.owner, rows), filename="faces.xlsx")


def _report_rows(user: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's rows with the candidates ``user`` may still see, problems first."""
    people = candidates_for(user).in_bulk([row["candidate"] for row in rows])
    order = list(OUTCOMES)
    shown = []
    for row in rows:
        candidate = people.get(row["candidate"])
        if candidate is None:
            continue
        shown.append({**row, "person": candidate, "label": OUTCOMES.get(row["outcome"], "")})
    shown.sort(key=lambda r: (r["outcome"] == ENROLLED, order.index(r["outcome"])))
    return shown


# Rows the job page lists (problems first); the Excel report has every row.
SHOWN_ROWS = 500


def report_context(job: BackgroundJob) -> dict[str, Any]:
    result = job.result or {}
    counts = result.get("counts", {})
    rows = _report_rows(job.owner, result.get("rows", []))
    return {
        "counts": [(OUTCOMES[code], counts.get(code, 0), code) for code in OUTCOMES],
        "rows": rows[:SHOWN_ROWS],
        "more_rows": max(0, len(rows) - SHOWN_ROWS),
    }


def report_workbook(user: Any, rows: list[dict[str, Any]]) -> bytes:
    """The per-candidate report as an xlsx: name, ID number, outcome, reason."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Face enrolment"))
    sheet.append([_("Full name"), _("ID number"), _("Outcome"), _("Reason")])
    for row in _report_rows(user, rows):
        person = row["person"]
        sheet.append([person.name, person.id_number, str(row["label"]), row["reason"]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
