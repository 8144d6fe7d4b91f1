"""Search terms that may be ID numbers or phone numbers stay out of URLs.

A term in a query string (``?q=110105…``) is written to every access log, proxy log and
browser history on its way. The staff lists that search candidates therefore take the term by
POST (with CSRF) and keep it in the session, one per page (Post/Redirect/Get):

- a POST carrying ``search`` stores the posted ``q`` for the page and redirects to the page,
  with the page's other, harmless filters (status, exam …, named by ``keep``) in the query
  string and without a page number (a new search starts at page 1);
- a GET reads the stored term, so the pagination links (``?page=2``) and reloads keep it;
- a GET that still carries ``q`` (an old bookmark) has its term moved to the session and is
  redirected to the same address without it.

A search form is ``<form method="post">`` with ``{% csrf_token %}`` and
``<input type="hidden" name="search" value="1">``; an empty ``q`` clears the search.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

SEARCH_FIELD = "search"
TERM_FIELD = "q"
MAX_TERM_CHARS = 100
_SESSION_PREFIX = "search_term:"


def _key(scope: str) -> str:
    return f"{_SESSION_PREFIX}{scope}"


def _store(request: HttpRequest, scope: str, term: str) -> None:
    term = term.strip()[:MAX_TERM_CHARS]
    if term:
        request.session[_key(scope)] = term
    else:
        request.session.pop(_key(scope), None)


def _redirect(request: HttpRequest, params: dict[str, str]) -> HttpResponse:
    query = urlencode({name: value for name, value in params.items() if value})
    return HttpResponseRedirect(f"{request.path}?{query}" if query else request.path)


def is_search(request: HttpRequest) -> bool:
    """Whether this request is a search form's POST (and not another form of the page)."""
    return request.method == "POST" and SEARCH_FIELD in request.POST


def handle(
    request: HttpRequest, *, scope: str | None = None, keep: tuple[str, ...] = ()
) -> HttpResponse | None:
    """The redirect that answers a search POST or an old ``?q=`` address; None otherwise, and
    the view goes on to ``term(request)``. ``scope`` names the stored term (the page's path
    unless given: a page and its export share one scope)."""
    scope = scope or request.path
    if is_search(request):
        _store(request, scope, request.POST.get(TERM_FIELD, ""))
        return _redirect(request, {name: request.POST.get(name, "") for name in keep})
    if request.method == "GET" and TERM_FIELD in request.GET:
        _store(request, scope, request.GET.get(TERM_FIELD, ""))
        return _redirect(
            request,
            {name: str(value) for name, value in request.GET.items() if name != TERM_FIELD},
        )
    return None


def term(request: HttpRequest, *, scope: str | None = None) -> str:
    """The page's stored search term ('' when none)."""
    value = request.session.get(_key(scope or request.path), "")
    return value if isinstance(value, str) else ""
