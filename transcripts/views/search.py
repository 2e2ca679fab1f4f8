"""Search: every word spoken in the transcripts you may see (``transcripts.search`` does the work).

``GET /search/?q=…&team=…&sort=…&page=…`` is a plain address to bookmark and share. A full request
gets the page: the box, the filters and the results. htmx requests (the box as you type, the
filters, a page link) get the ``#search-results`` fragment only, and the tidy address is pushed
to the history. Any input gives a page: bad input becomes a notice, never an error.
"""

from __future__ import annotations

from dataclasses import replace

from django.conf.locale import LANG_INFO
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from ..models import Team
from ..providers import all_models
from ..search import SORTS, SearchRequest, facet_options, parse_request
from ..search import search as run_search

PAGE = "search/search.html"
RESULTS = "search/search.html#search-results"


def _url(wanted: SearchRequest, page: int | None = None) -> str:
    query = wanted.querystring(page=page)
    return reverse("search") + (f"?{query}" if query else "")


def _results_context(request: HttpRequest, wanted: SearchRequest) -> dict:
    results = None
    if wanted.text.strip():
        results = run_search(
            user=request.user, query=wanted.text, filters=wanted.filters, sort=wanted.sort, page=wanted.page
        )
    page = results.page if results else 1
    teams = dict(Team.objects.for_user(request.user).values_list("pk", "name")) if results else {}
    counts = results.team_counts if results else {}
    return {
        "wanted": wanted,
        "results": results,
        "notices": [*wanted.notices, *(results.notices if results else [])],
        "team_facets": [
            (team_id, teams[team_id], count, _url(_with_team(wanted, team_id)))
            for team_id, count in sorted(counts.items(), key=lambda item: -item[1])
            if team_id in teams
        ],
        "all_teams_url": _url(_with_team(wanted, None)),
        "previous_url": _url(wanted, page - 1) if results and results.has_previous else "",
        "next_url": _url(wanted, page + 1) if results and results.has_next else "",
        "model_labels": {spec.id: spec.label for spec in all_models()},
    }


def _language_name(code: str) -> str:
    """ "en" -> "English"; a code Django does not know stays as it is."""
    info = LANG_INFO.get(code.lower()) or LANG_INFO.get(code.lower().split("-")[0]) or {}
    return info.get("name") or code


def _with_team(wanted: SearchRequest, team_id: int | None) -> SearchRequest:
    """The same search narrowed to one team (or to none), from its first page."""
    return replace(wanted, filters=replace(wanted.filters, team_id=team_id), page=1, notices=())


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    wanted = parse_request(request.GET)
    context = _results_context(request, wanted)
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, RESULTS, context)
        return push_url(response, _url(wanted, context["results"].page if context["results"] else None))
    options = facet_options(user=request.user)
    context.update(
        options=options,
        languages=[(code, _language_name(code)) for code in options.languages],
        sort_choices=SORTS.items(),
        nav="search",
    )
    return render(request, PAGE, context)
