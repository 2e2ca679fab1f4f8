"""The Transcripts list: filters, sort, pages, bulk delete / move / export, live polling answers,
and what a page costs (queries that do not grow with the rows)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from transcripts.models import Job, JobState, Membership, Role, Team, Transcript
from transcripts.services.job_queries import JobFilters, parse_filters
from transcripts.services.teams import create_team

from .factories import make_completed_job, make_job

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def titles(response) -> list[str]:
    """The titles of the rows, in order."""
    return re.findall(r'class="row-title" href="[^"]+">([^<]+)</a>', response.content.decode())


def rows(client, **params) -> list[str]:
    return titles(client.get(reverse("job_list"), params, **HTMX))


def job_at(*, team, user, minutes_ago: int, **fields) -> Job:
    return make_job(
        team=team, user=user, created_at=timezone.now() - timedelta(minutes=minutes_ago), **fields
    )


@pytest.fixture
def other_team(owner) -> Team:
    return create_team(user=owner, name="Field Recordings")


# --- Filters ----------------------------------------------------------------------------------


def test_text_filter_matches_titles_ignoring_case(owner_client, team, owner):
    make_completed_job(team=team, user=owner, title="Board meeting, March")
    make_completed_job(team=team, user=owner, title="Customer interview")
    assert rows(owner_client, q="BOARD") == ["Board meeting, March"]
    assert rows(owner_client, q="  board   meeting ") == ["Board meeting, March"]  # spaces tidied


def test_team_filter_shows_one_of_my_teams(owner_client, team, other_team, owner):
    make_completed_job(team=team, user=owner, title="In Acme")
    make_completed_job(team=other_team, user=owner, title="In the field")
    assert rows(owner_client, team=other_team.pk) == ["In the field"]


def test_a_team_filter_never_shows_another_teams_jobs(outsider_client, team, owner):
    make_completed_job(team=team, user=owner, title="Acme secret")
    assert rows(outsider_client, team=team.pk) == []
    page = outsider_client.get(reverse("job_list"), {"team": team.pk})
    assert page.status_code == 200 and "Acme secret" not in page.content.decode()


def test_model_filter(owner_client, team, owner):
    make_completed_job(team=team, user=owner, title="Local one")
    make_completed_job(team=team, user=owner, title="Cloud one", provider="cloud")
    assert rows(owner_client, model="#g1_nova-2-general") == ["Cloud one"]
    assert rows(owner_client, model="local/whisper-tiny.en") == ["Local one"]


@pytest.fixture
def one_job_per_state(team, owner):
    for minutes, state in enumerate(JobState.values):
        job_at(team=team, user=owner, minutes_ago=minutes, state=state, title=f"Job {state}")


def test_in_progress_is_every_active_state(owner_client, one_job_per_state):
    assert rows(owner_client, state="active") == ["Job queued", "Job submitting", "Job processing"]


def test_completed_and_failed_filters(owner_client, one_job_per_state):
    assert rows(owner_client, state="completed") == ["Job completed"]
    assert rows(owner_client, state="failed") == ["Job failed", "Job cancelled"]


def test_an_old_single_state_link_shows_its_whole_group(owner_client, one_job_per_state):
    assert rows(owner_client, state="processing") == ["Job queued", "Job submitting", "Job processing"]


def test_nonsense_filters_are_ignored_not_errors(owner_client, team, owner):
    make_completed_job(team=team, user=owner)
    params = {"state": "bogus", "team": "x", "model": "m" * 500, "sort": "sideways", "page": "-3"}
    response = owner_client.get(reverse("job_list"), params)
    assert response.status_code == 200
    assert titles(response) == ["Board meeting"]
    assert parse_filters(query=params) == JobFilters()


def test_the_filter_form_is_a_plain_get_form_that_keeps_its_values(owner_client, team):
    html = owner_client.get(reverse("job_list"), {"q": "board", "state": "active", "sort": "title"}).content
    html = html.decode()
    assert '<form id="job-filters"' in html and 'method="get"' in html
    assert 'name="q" value="board"' in html
    assert 'value="active" checked' in html and 'value="title" selected' in html


# --- Sort and pages ---------------------------------------------------------------------------


def test_sort_orders(owner_client, team, owner):
    short = make_completed_job(team=team, user=owner, title="beta")
    long = make_completed_job(team=team, user=owner, title="Alpha")
    Transcript.objects.filter(job=short).update(duration=30)
    Transcript.objects.filter(job=long).update(duration=3600)
    Job.objects.filter(pk=short.pk).update(created_at=timezone.now() - timedelta(days=2))
    queued = job_at(team=team, user=owner, minutes_ago=60, title="gamma")  # no transcript yet
    assert rows(owner_client) == ["Alpha", "gamma", "beta"]  # newest first
    assert rows(owner_client, sort="oldest") == ["beta", "gamma", "Alpha"]
    assert rows(owner_client, sort="title") == ["Alpha", "beta", "gamma"]  # case-insensitive
    assert rows(owner_client, sort="longest") == ["Alpha", "beta", queued.title]  # no length last
    assert rows(owner_client, sort="shortest") == ["beta", "Alpha", queued.title]


def test_pages_of_25(owner_client, team, owner):
    for n in range(30):
        job_at(team=team, user=owner, minutes_ago=n, title=f"Job {n:02d}", state=JobState.COMPLETED)
    first = owner_client.get(reverse("job_list"))
    assert len(titles(first)) == 25 and titles(first)[0] == "Job 00"
    html = first.content.decode()
    assert "1–25 of 30" in html and 'href="/transcripts/?page=2"' in html
    assert rows(owner_client, page=2) == [f"Job {n:02d}" for n in range(25, 30)]
    assert rows(owner_client, page=99) == rows(owner_client, page=2)  # past the end: the last page
    assert rows(owner_client, page="nope") == titles(first)
    assert rows(owner_client, page="9" * 30, live="stale") == titles(first)  # a poll with a silly page


def test_page_links_keep_the_filters(owner_client, team, owner):
    for n in range(26):
        job_at(team=team, user=owner, minutes_ago=n, title=f"Call {n}", state=JobState.COMPLETED)
    html = owner_client.get(reverse("job_list"), {"q": "call", "state": "completed"}).content.decode()
    assert 'href="/transcripts/?q=call&amp;state=completed&amp;page=2"' in html


# --- htmx: the rows only, the tidy address, live polls ----------------------------------------


def test_an_htmx_request_gets_only_the_rows(owner_client, team, owner):
    make_completed_job(team=team, user=owner)
    response = owner_client.get(reverse("job_list"), {"q": "board", "team": ""}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="job-rows"')
    assert "<html" not in html and 'id="job-filters"' not in html and "Board meeting" in html
    assert "HX-Push-Url" not in response.headers  # a poll or a page link: the address stays


def test_the_filter_form_pushes_the_tidy_address(owner_client, team):
    response = owner_client.get(
        reverse("job_list"), {"q": "board", "team": "", "model": "", "state": "active", "sort": "newest"},
        HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="job-filters",
    )  # fmt: skip
    assert response.headers["HX-Push-Url"] == "/transcripts/?q=board&state=active"


def test_rows_poll_while_a_job_is_active_and_stop_after(owner_client, team, owner):
    job = make_job(team=team, user=owner, state=JobState.PROCESSING, progress=0.45)
    html = owner_client.get(reverse("job_list")).content.decode()
    region = re.search(r'<div id="job-rows"[^>]*>', html).group(0)
    assert 'hx-trigger="live-tick"' in region and "data-live-active" in region
    assert 'data-live-status="1 active"' in region and "every" not in region
    Job.objects.filter(pk=job.pk).update(state=JobState.COMPLETED)
    region = re.search(r'<div id="job-rows"[^>]*>', owner_client.get(reverse("job_list")).content.decode())
    assert "data-live-active" not in region.group(0)


def test_a_poll_of_unchanged_rows_gets_204_without_a_body(
    owner_client, team, owner, django_assert_num_queries
):
    job = make_job(team=team, user=owner, state=JobState.PROCESSING, progress=0.2)
    html = owner_client.get(reverse("job_list"), {"state": "active"}, **HMTX_POLL).content.decode()
    poll = (
        re.search(r'<div id="job-rows" class="job-rows" hx-get="([^"]+)"', html)
        .group(1)
        .replace("&amp;", "&")
    )
    assert poll.startswith("/transcripts/?state=active&live=")
    with django_assert_num_queries(3):  # session, user, the page's rows: no COUNT, no render
        unchanged = owner_client.get(poll, **HMTX_POLL)
    assert unchanged.status_code == 204 and unchanged.content == b""
    Job.objects.filter(pk=job.pk).update(progress=0.6)
    changed = owner_client.get(poll, **HMTX_POLL)
    assert changed.status_code == 200 and "60%" in changed.content.decode()


HMTX_POLL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TRIGGER": "job-rows"}


def test_the_status_card_is_a_live_region_until_the_job_is_final(owner_client, team, owner):
    job = make_job(team=team, user=owner, state=JobState.PROCESSING, progress=0.45)
    url = reverse("job_status", args=[job.pk])
    card = owner_client.get(url, {"was": "active"}, **HMTX_POLL).content.decode()
    assert 'hx-trigger="live-tick"' in card and "data-live-active" in card
    assert 'data-live-status="45%"' in card
    poll = re.search(r'hx-get="([^"]+)"', card).group(1).replace("&amp;", "&")
    assert owner_client.get(poll, **HMTX_POLL).status_code == 204  # nothing changed
    Job.objects.filter(pk=job.pk).update(state=JobState.COMPLETED)
    final = owner_client.get(poll, **HMTX_POLL)
    assert final.status_code == 200 and "job-finished" in final.headers["HX-Trigger"]
    assert "data-live-active" not in final.content.decode() and "hx-trigger" not in final.content.decode()


def test_the_dashboard_polls_its_recent_jobs_with_the_badge_out_of_band(owner_client, team, owner):
    make_job(team=team, user=owner, state=JobState.QUEUED)
    page = owner_client.get(reverse("dashboard")).content.decode()
    assert 'id="recent-jobs"' in page and "data-live-active" in page and "1 in progress" in page
    fragment = owner_client.get(reverse("dashboard"), **HTMX).content.decode()
    assert fragment.lstrip().startswith('<section id="recent-jobs"') and "<html" not in fragment
    assert '<span id="active-count" hx-swap-oob="true">' in fragment
    poll = re.search(r'hx-get="([^"]+)"', fragment).group(1)
    assert owner_client.get(poll, **HTMX).status_code == 204


# --- Bulk actions -----------------------------------------------------------------------------


def bulk(client, action: str, jobs, htmx: bool = True, **fields):
    data = {"action": action, "ids": [str(job.pk) for job in jobs], "back": "state=completed", **fields}
    if action == "delete":
        data.setdefault("confirmed", "1")
    return client.post(reverse("job_bulk"), data, **(HTMX if htmx else {}))


def messages_in(response) -> str:
    found = re.findall(r'<li class="message [^"]*" data-message>([^<]*)</li>', response.content.decode())
    return unescape(" ".join(found))


def test_bulk_delete(owner_client, team, owner):
    doomed = [make_completed_job(team=team, user=owner, title=f"Old {n}") for n in range(2)]
    kept = make_completed_job(team=team, user=owner, title="Keeper")
    response = bulk(owner_client, "delete", doomed)
    assert response.status_code == 200
    assert list(Job.objects.values_list("title", flat=True)) == ["Keeper"]
    assert "Deleted 2 transcripts." in messages_in(response)
    assert titles(response) == [kept.title]  # the rows come back, filtered as they were
    assert 'id="messages" class="messages" role="status" aria-live="polite" hx-swap-oob="beforeend"' in (
        response.content.decode()
    )


def test_bulk_delete_reports_what_it_could_not_delete(teammate_client, team, owner, teammate):
    theirs = make_completed_job(team=team, user=owner, title="Owner's")
    mine = make_completed_job(team=team, user=teammate, title="Mine")
    response = bulk(teammate_client, "delete", [theirs, mine])
    text = messages_in(response)
    assert "Deleted 1 transcript." in text
    assert "1 transcript not deleted: only the person who made a transcript or its team's owners" in text
    assert list(Job.objects.values_list("title", flat=True)) == ["Owner's"]


def test_bulk_delete_without_javascript_asks_first(owner_client, team, owner):
    job = make_completed_job(team=team, user=owner, title="Keep me for now")
    data = {"action": "delete", "ids": [str(job.pk)], "back": "q=keep"}
    page = owner_client.post(reverse("job_bulk"), data)
    html = page.content.decode()
    assert page.status_code == 200 and "Delete 1 transcript?" in html
    assert 'name="confirmed" value="1"' in html and Job.objects.filter(pk=job.pk).exists()
    done = owner_client.post(reverse("job_bulk"), {**data, "confirmed": "1"})
    assert done.status_code == 302 and done["Location"] == "/transcripts/?q=keep"
    assert not Job.objects.filter(pk=job.pk).exists()


def test_bulk_move_to_another_of_my_teams(owner_client, team, other_team, owner):
    jobs = [make_completed_job(team=team, user=owner, title=f"Move {n}") for n in range(2)]
    already = make_completed_job(team=other_team, user=owner, title="Already there")
    response = bulk(owner_client, "move", [*jobs, already], team=other_team.pk)
    assert set(Job.objects.filter(team=other_team).values_list("title", flat=True)) == {
        "Move 0",
        "Move 1",
        "Already there",
    }
    text = messages_in(response)
    assert "Moved 2 transcripts to Field Recordings." in text and "1 transcript already in" in text


def test_bulk_move_only_to_a_team_i_belong_to(owner_client, team, owner, outsider):
    job = make_completed_job(team=team, user=owner)
    foreign = create_team(user=outsider, name="Not mine")
    response = bulk(owner_client, "move", [job], team=foreign.pk)
    assert "Choose one of your teams" in messages_in(response)
    job.refresh_from_db()
    assert job.team == team


def test_bulk_move_by_a_member_of_someone_elses_job_is_refused(teammate_client, team, teammate, owner):
    target = create_team(user=teammate, name="Tomas's side project")
    job = make_completed_job(team=team, user=owner)
    response = bulk(teammate_client, "move", [job], team=target.pk)
    assert "1 transcript not moved" in messages_in(response)
    job.refresh_from_db()
    assert job.team == team


def test_bulk_export_zips_one_file_per_finished_job_with_unique_names(owner_client, team, owner):
    same = [make_completed_job(team=team, user=owner, title="Standup") for _ in range(2)]
    other = make_completed_job(team=team, user=owner, title="Retro")
    running = make_job(team=team, user=owner, state=JobState.PROCESSING, title="Not yet")
    response = bulk(owner_client, "export", [*same, other, running], htmx=False, format="srt")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert 'attachment; filename="transcripts.zip"' in response["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == ["Retro.srt", "Standup (2).srt", "Standup.srt"]


def test_bulk_export_of_nothing_finished_or_a_bad_format_explains(owner_client, team, owner):
    running = make_job(team=team, user=owner, state=JobState.QUEUED)
    done = make_completed_job(team=team, user=owner)
    response = bulk(owner_client, "export", [running], htmx=False, format="txt")
    assert response.status_code == 302
    assert "has finished" in owner_client.get(response["Location"]).content.decode()
    response = bulk(owner_client, "export", [done], htmx=False, format="exe")
    assert response.status_code == 302
    assert "Choose an export format." in owner_client.get(response["Location"]).content.decode()


def test_ids_of_jobs_i_cannot_see_are_ignored(owner_client, owner, outsider):
    from transcripts.services.teams import current_team_for

    theirs = make_completed_job(team=current_team_for(outsider), user=outsider, title="Oscar's memo")
    for action in ("delete", "move", "export"):
        response = bulk(owner_client, action, [theirs], team=current_team_for(owner).pk, format="txt")
        assert response.status_code == 200
        assert "Select at least one transcript first." in messages_in(response)
    theirs.refresh_from_db()
    assert theirs.team == current_team_for(outsider)


def test_bulk_nonsense_never_errors(owner_client, team, owner):
    job = make_completed_job(team=team, user=owner)
    garbage = {"action": "explode", "ids": ["not-a-uuid", str(job.pk)], "back": "page=zz&sort=%%"}
    response = owner_client.post(reverse("job_bulk"), garbage, **HTMX)
    assert response.status_code == 200 and "Choose what to do" in messages_in(response)
    assert owner_client.post(reverse("job_bulk"), {"action": "delete"}).status_code == 302
    assert owner_client.get(reverse("job_bulk")).status_code == 405


def test_the_bulk_bar_offers_my_teams_and_the_formats(owner_client, team, other_team, owner):
    make_completed_job(team=team, user=owner)
    html = owner_client.get(reverse("job_list")).content.decode()
    bar = html.split('<div class="bulk-bar">')[1].split('<div id="job-rows"')[0]
    assert f'<option value="{other_team.pk}">Field Recordings</option>' in bar
    assert re.findall(r'<option value="(\w+)">', bar.split('name="format"')[1]) == [
        "txt",
        "srt",
        "vtt",
        "docx",
        "json",
    ]
    assert 'hx-confirm="Delete the selected transcripts?' in bar and 'data-select-all="ids"' in bar


# --- Cost: queries do not grow with the rows, no transcript bodies ----------------------------


def make_rows(team, user, count: int) -> None:
    for n in range(count):
        make_completed_job(team=team, user=user, title=f"Row {n}")


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "rows-fragment"])
def test_the_list_costs_the_same_queries_for_1_or_25_rows(
    owner_client, team, owner, teammate, django_assert_max_num_queries, htmx
):
    Membership.objects.filter(team=team, user=teammate).update(role=Role.ADMIN)
    make_rows(team, owner, 1)
    make_job(team=team, user=teammate, state=JobState.PROCESSING)
    owner_client.get(reverse("dashboard"))  # the session exists
    headers = HTMX if htmx else {}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        owner_client.get(reverse("job_list"), **headers)
    make_rows(team, teammate, 24)
    with django_assert_max_num_queries(len(few)):
        response = owner_client.get(reverse("job_list"), **headers)
    assert len(titles(response)) == 25
    assert len(few) <= (4 if htmx else 8)


def test_the_rows_query_reads_no_transcript_bodies(owner_client, team, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_rows(team, owner, 3)
    with CaptureQueriesContext(connection) as queries:
        owner_client.get(reverse("job_list"), **HTMX)
    sql = " ".join(query["sql"] for query in queries)
    assert '"duration"' in sql
    for heavy in ('"segments"', '"words"', '"raw"', '"options"', '"insights"'):
        assert heavy not in sql


def test_the_phone_layout_hooks_are_there(owner_client, team, owner):
    make_completed_job(team=team, user=owner, original_filename="a" * 120 + ".mp3", source=Job.Source.UPLOAD)
    html = owner_client.get(reverse("job_list")).content.decode()
    assert 'class="table job-table"' in html and 'class="row-source"' in html
    assert 'class="hide-narrow cell-model"' in html and 'class="hide-narrow cell-team"' in html
