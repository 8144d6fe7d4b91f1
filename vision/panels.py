"""Sections that other apps add to the staff face pages, so the vision app knows nothing of them.

The face pages belong to face enrolment, but staff also decide identity reviews there, and
identity checks are records of the exam flow, which vision must not import. The exam app
registers its sections once (``AppConfig.ready``); the pages render whatever is registered, in
order of registration. A section returns HTML (already escaped: ``render_to_string`` output), or
an empty string to show nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

# (request, candidate) -> HTML of one card on a candidate's face page.
CandidateSection = Callable[[HttpRequest, Any], str]
# (request) -> HTML shown above the list of candidate faces.
ListSection = Callable[[HttpRequest], str]

_candidate_sections: list[CandidateSection] = []
_list_sections: list[ListSection] = []


def add_candidate_section(section: CandidateSection) -> None:
    """Show ``section`` on every candidate's face page (idempotent)."""
    if section not in _candidate_sections:
        _candidate_sections.append(section)


def add_list_section(section: ListSection) -> None:
    """Show ``section`` above the list of candidate faces (idempotent)."""
    if section not in _list_sections:
        _list_sections.append(section)


def candidate_sections(request: HttpRequest, candidate: Any) -> list[SafeString]:
    return [mark_safe(html) for s in _candidate_sections if (html := s(request, candidate))]  # noqa: S308


def list_sections(request: HttpRequest) -> list[SafeString]:
    return [mark_safe(html) for s in _list_sections if (html := s(request))]  # noqa: S308
