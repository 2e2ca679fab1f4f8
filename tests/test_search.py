"""Search every word spoken: the query language, bad input, ranking, filters, pages, the index
following every change, and who may see what. The same tests (and the same expected answers) run
on SQLite and on PostgreSQL (CI's DATABASE_URL matrix)."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_user
from tests.factories import make_job
from transcripts import search as search_module
from transcripts.models import Job, JobState, Membership, Role, SearchDocument, SearchSegment, Transcript
from transcripts.normalise.schema import NormalisedTranscript, Segment
from transcripts.search import SearchFilters, facet_options, index_job, parse_query, parse_request, search
from transcripts.search.indexing import _speaker_name, config_for
from transcripts.search.results import marked_html, merge_marks
from transcripts.services import transcript_view
from transcripts.services.job_actions import delete_job, move_job, rename_job
from transcripts.services.pipeline import record_result
from transcripts.services.teams import create_team, remove_member
from transcripts.services.transcript_edits import correct_segment, rename_speaker, undo_edit

pytestmark = pytest.mark.django_db

JFK = [
    (0.0, "0", "And so, my fellow Americans:"),
    (3.1, "0", "ask not what your country can do for you,"),
    (7.4, "0", "ask what you can do for your country."),
]


def transcribed(team, user, title="Inaugural address", segments=JFK, *, language="en", **fields) -> Job:
    """A finished job with a transcript, indexed as record_result would."""
    job = make_job(team=team, user=user, state=JobState.COMPLETED, title=title, **fields)
    Transcript.objects.create(
        job=job,
        text=" ".join(text for _, _, text in segments),
        language=language,
        segments=[
            {"start": start, "end": start + 3, "text": text, "speaker": speaker, "channel": 0}
            for start, speaker, text in segments
        ],
    )
    index_job(job_id=job.pk)
    return job


def page_text(response) -> str:
    """The page's text without tags (a title's hit is marked: <mark>Budget</mark> review)."""
    return re.sub(r"<[^>]+>", "", response.content.decode())


def titles(results) -> list[str]:
    return [hit.job.title for hit in results.hits]


def found(user, query, **options) -> set[str]:
    return set(titles(search(user=user, query=query, per_page=50, **options)))


@pytest.fixture
def corpus(team, owner, teammate):
    """A small corpus whose answers are the same on both databases."""
    return {
        "jfk": transcribed(team, owner),
        "budget": transcribed(
            team,
            teammate,
            "Budget review",
            [
                (0.0, "A", "The quarterly budget is over by ten percent."),
                (4.0, "B", "We need a forecast before the board meeting."),
                (9.0, "A", "Draft numbers are in the shared folder."),
            ],
            model="local/whisper-base",
        ),
        "launch": transcribed(
            team,
            owner,
            "Launch plan",
            [
                (0.0, "0", "The launch moves to the second quarter."),
                (5.0, "1", "Marketing wants a budget for the launch event."),
            ],
            language="",
        ),
        "russian": transcribed(
            team, owner, "Планёрка", [(0.0, "0", "Москва согласовала бюджет проекта.")], language="ru"
        ),
        "mixed": transcribed(
            team,
            owner,
            "International call",
            [(0.0, "0", "東京 and مرحبا were both said, with a café au lait.")],
            language="",
        ),
    }


# --- The query language --------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, understood, fts5",
    [
        ("budget forecast", "budget forecast", '"budget" AND "forecast"'),
        ('"ask not what"', '"ask not what"', '"ask not what"'),
        ("coun*", "coun*", '"coun" *'),
        ("budget OR forecast", "budget OR forecast", '("budget" OR "forecast")'),
        ("budget | forecast", "budget OR forecast", '("budget" OR "forecast")'),
        ("budget -draft", "budget -draft", '"budget"'),
        ("budget NOT draft", "budget -draft", '"budget"'),
        ('budget -"draft numbers"', 'budget -"draft numbers"', '"budget"'),
        ("budget AND forecast", "budget forecast", '"budget" AND "forecast"'),
        ('"unbalanced quote', '"unbalanced quote"', '"unbalanced quote"'),
        ("NEAR(a b)", '"NEAR a" b', '"NEAR(a" AND "b)"'),
        ("title:budget ^x", '"title budget" x', '"title:budget" AND "^x"'),
        ('say "hi"', "say hi", '"say" AND "hi"'),
        ('quote"inside', '"quote inside"', '"quote""inside"'),
        ("a*", "a", '"a"'),  # a prefix needs two letters
    ],
)
def test_the_query_language(typed, understood, fts5):
    query = parse_query(typed)
    assert query.text == understood
    assert query.fts5() == fts5


def test_excluded_words_leave_out_whole_transcripts():
    query = parse_query('budget -draft NOT "old numbers"')
    assert query.fts5() == '"budget"' and query.fts5_excluded() == '"draft" OR "old numbers"'
    assert parse_query("budget").fts5_excluded() == ""
    sql, params = query.tsquery_excluded("english")
    assert params == ["english", "'draft'", "simple", "'old numbers'"]
    assert sql == "((to_tsquery(%s::regconfig, %s) || to_tsquery(%s::regconfig, %s)))"


def test_every_word_is_a_parameter_and_phrases_are_exact_words_on_postgresql():
    sql, params = parse_query('"ask not" country coun* it\'s').tsquery("english")
    assert "ask" not in sql and "country" not in sql
    # A language's stop words ("not") must not drop out of a phrase: phrases stay "simple".
    assert params[:6] == ["simple", "'ask not'", "english", "'country'", "english", "'coun':*"]
    assert params[6:] == ["simple", "'it''s'"]  # quoted, so nothing typed is tsquery syntax
    assert parse_query("country").tsquery("english", spoken=True)[1] == ["english", "'country':B"]


@pytest.mark.parametrize(
    "typed, notice",
    [
        ("", None),
        ("AND OR NOT", "Type letters or numbers"),
        ("😀🎉", "Type letters or numbers"),
        ("-draft", "cannot only leave words out"),
        ("x " * 5000, "first 500 characters"),
        (" ".join(f"w{n}" for n in range(40)), "first 16 terms"),
    ],
)
def test_input_with_nothing_to_search_for_says_why(typed, notice):
    query = parse_query(typed)
    if notice is None:
        assert query.is_empty and not query.notices
    else:
        assert any(notice in text for text in query.notices)


# --- Bad input: never a 500, never a database error ----------------------------------------

BAD_INPUT = [
    '"',
    '"unbalanced',
    'ask not what"',
    '""',
    "*",
    "**",
    "coun**",
    "*coun",
    "NEAR",
    "NEAR(ask country)",
    "NEAR/3",
    "ask:",
    ":",
    "title:country",
    "^",
    "^ask",
    "(",
    ")",
    "()",
    "(ask OR",
    "ask AND",
    "AND OR NOT",
    "OR",
    "NOT",
    "- - -",
    "--ask",
    "ask -",
    "a OR OR b",
    "'",
    "''",
    "\\",
    "%",
    "_",
    "ask' OR 1=1 --",
    "'; DROP TABLE transcripts_job; --",
    "<script>alert(1)</script>",
    "\x00ask\x01",
    "\ue000ask\ue001",
    "x" * 10_000,
    "ask " * 2_500,
    "",
    "   ",
    "Москва",
    "бюджет",
    "東京",
    "東京都に行きました",
    "مرحبا",
    "😀",
    "ask 😀",
    "café",
    "3.5",
    "e-mail",
    "a.b.c",
    "ask* NOT* -*",
    '"ask not"*',
    "{title}: ask",
    "ask ~ country",
    "ask&country",
    "ask|country",
]


@pytest.mark.parametrize("typed", BAD_INPUT, ids=lambda text: repr(text[:20]))
def test_bad_input_answers_a_page_never_an_error(owner_client, owner, team, typed):
    transcribed(team, owner)
    response = owner_client.get(reverse("search"), {"q": typed})
    assert response.status_code == 200
    assert "could not be run" not in response.content.decode()
    results = search(user=owner, query=typed)  # the same through the API, no database error
    assert search_module.FAILED not in results.notices


def test_bad_filters_are_ignored_with_a_notice(owner_client, owner, team):
    transcribed(team, owner)
    response = owner_client.get(
        reverse("search"),
        {"q": "country", "team": "x", "creator": "-1", "from": "31/12/2025", "to": "soon", "page": "zz"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Inaugural address" in html and "dates look like 2025-01-31" in html


def test_non_latin_scripts_and_accents_are_found(corpus, owner):
    assert found(owner, "Москва") == {"Планёрка"}
    assert found(owner, "москва") == {"Планёрка"}  # any letter case
    assert found(owner, "Планёрка") == {"Планёрка"}  # the title
    assert found(owner, "東京") == {"International call"}
    assert found(owner, "مرحبا") == {"International call"}
    assert found(owner, "café") == {"International call"}
    assert found(owner, "бюдж*") == {"Планёрка"}


# --- What matches ---------------------------------------------------------------------------


def test_words_phrases_prefixes_or_and_exclusions(corpus, owner):
    assert found(owner, "budget") == {"Budget review", "Launch plan"}
    assert found(owner, "budget quarterly") == {"Budget review"}  # both words in one segment
    assert found(owner, "budget launch") == {"Launch plan"}  # "launch" in the text and the title
    assert found(owner, "budget review") == {"Budget review"}  # a title word and a spoken word
    assert found(owner, '"ask not what"') == {"Inaugural address"}
    assert found(owner, '"what not ask"') == set()
    assert found(owner, "coun*") == {"Inaugural address"}
    assert found(owner, "forecast OR launch") == {"Budget review", "Launch plan"}
    assert found(owner, "budget -marketing") == {"Budget review"}
    assert found(owner, "budget NOT quarterly") == {"Launch plan"}
    assert found(owner, "countries") == {"Inaugural address"}  # an English transcript's stems
    assert found(owner, "nothing-like-this") == set()


def test_snippets_have_the_moment_the_speaker_and_the_hit_marked(corpus, owner):
    results = search(user=owner, query='"ask not what"')
    (hit,) = results.hits
    snippet = hit.snippets[0]
    assert snippet.start == 3.1 and snippet.speaker == "Speaker 0" and snippet.index == 1
    assert str(snippet.html) == "<mark>ask not what</mark> your country can do for you,"
    assert snippet.url == f"{hit.job.get_absolute_url()}?t=3.10&hl=%22ask+not+what%22#segment-1"
    assert hit.matches == 1 and results.total == 1


def test_moments_are_shown_in_the_order_said_and_a_title_word_is_not_a_moment(corpus, owner):
    (hit,) = search(user=owner, query="country").hits
    assert [snippet.index for snippet in hit.snippets] == [1, 2] and hit.matches == 2
    budget = next(hit for hit in search(user=owner, query="budget").hits if hit.job.title == "Budget review")
    assert budget.matches == 1 and [snippet.index for snippet in budget.snippets] == [0]
    assert str(budget.title_html) == "<mark>Budget</mark> review"
    (review,) = search(user=owner, query="review").hits  # the title alone
    assert review.matches == 0 and [snippet.index for snippet in review.snippets] == [0]
    assert "<mark>" not in review.snippets[0].html and "<mark>review</mark>" in review.title_html


def test_snippets_and_titles_escape_what_people_typed(team, owner):
    transcribed(team, owner, "<b>Bold</b> title", [(0.0, "0", "Say <script>alert('x')</script> & more")])
    (hit,) = search(user=owner, query="alert").hits
    assert "<script>" not in hit.snippets[0].html
    assert "&lt;script&gt;<mark>alert</mark>(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in hit.snippets[0].html
    (hit,) = search(user=owner, query="bold").hits
    assert str(hit.title_html) == "&lt;b&gt;<mark>Bold</mark>&lt;/b&gt; title"


def test_a_long_segment_is_cut_around_its_first_hit():
    text = " ".join(f"word{n}" for n in range(200)) + " \ue000needle\ue001 " + "tail " * 50
    html = str(marked_html(text))
    assert "<mark>needle</mark>" in html and html.startswith("… ") and html.endswith(" …")
    assert len(html) < 300


def test_marks_of_two_markings_are_merged_onto_the_original_text():
    assert (
        merge_marks("a <b> c", "a  \ue000b\ue001  c", "\ue000a\ue001  b  c")
        == "\ue000a\ue001 <\ue000b\ue001> c"
    )
    assert merge_marks("abc", "other text") == "abc"


def test_the_index_names_speakers_as_the_transcript_page_does():
    names = {"1": "Alice"}
    for label in ["0", "1", "A", "SPEAKER_01", "Channel 2", "12", "1234"]:
        assert _speaker_name(label, names) == transcript_view.speaker_name(label, names)


def test_a_language_picks_its_configuration():
    assert config_for("en") == "english" and config_for("en-US") == "english"
    assert config_for("English") == "english" and config_for("pt_BR") == "portuguese"
    assert config_for("") == "simple" and config_for("xx") == "simple"
    assert config_for("ja") == "simple" and config_for("de", {"simple"}) == "simple"


# --- Ranking, sort, pages -------------------------------------------------------------------


def test_more_and_better_placed_hits_rank_first(team, owner):
    transcribed(
        team,
        owner,
        "Weekly sync",
        [(0.0, "0", "Some talk, and once the word budget, among many others said.")],
    )
    transcribed(team, owner, "Budget planning", [(0.0, "0", "Budget, budget, budget: the budget.")])
    assert titles(search(user=owner, query="budget"))[0] == "Budget planning"


def test_sort_by_date(team, owner):
    now = timezone.now()
    for days, title in [(3, "Oldest"), (1, "Newest"), (2, "Middle")]:
        transcribed(team, owner, title, [(0.0, "0", "the roadmap")], created_at=now - timedelta(days=days))
    assert titles(search(user=owner, query="roadmap", sort="newest")) == ["Newest", "Middle", "Oldest"]
    assert titles(search(user=owner, query="roadmap", sort="oldest")) == ["Oldest", "Middle", "Newest"]


def test_pages_and_the_total(team, owner):
    for number in range(23):
        transcribed(team, owner, f"Standup {number}", [(0.0, "0", "yesterday I fixed the parser")])
    first = search(user=owner, query="parser", per_page=10)
    assert first.total == 23 and first.pages == 3 and len(first.hits) == 10 and first.has_next
    last = search(user=owner, query="parser", per_page=10, page=3)
    assert len(last.hits) == 3 and last.start_index == 21 and last.end_index == 23 and not last.has_next
    assert not set(titles(first)) & set(titles(last))
    beyond = search(user=owner, query="parser", per_page=10, page=99)
    assert beyond.page == 3 and len(beyond.hits) == 3


def test_a_very_common_word_ranks_a_bounded_set_and_says_the_count_is_a_lower_bound(team, owner, monkeypatch):
    for number in range(6):
        transcribed(team, owner, f"Call {number}", [(0.0, "0", "hello"), (2.0, "0", "hello again")])
    monkeypatch.setattr(search_module, "CANDIDATES", 4)
    results = search(user=owner, query="hello")
    assert results.capped and results.total == 2  # two transcripts' four segments were ranked
    assert len(results.hits) == 2


# --- Filters --------------------------------------------------------------------------------


def test_filters(corpus, owner, teammate, team):
    assert found(owner, "budget", filters=SearchFilters(creator_id=teammate.pk)) == {"Budget review"}
    assert found(owner, "budget", filters=SearchFilters(model="local/whisper-base")) == {"Budget review"}
    assert found(owner, "budget", filters=SearchFilters(language="en")) == {"Budget review"}
    assert found(owner, "budget", filters=SearchFilters(speaker="B")) == set()
    assert found(owner, "forecast", filters=SearchFilters(speaker="speaker b")) == {"Budget review"}
    assert found(owner, "budget", filters=SearchFilters(team_id=team.pk)) == {"Budget review", "Launch plan"}
    personal = owner.teams.get(personal=True)
    assert found(owner, "budget", filters=SearchFilters(team_id=personal.pk)) == set()


def test_the_date_range_includes_both_days(team, owner):
    now = timezone.localtime()
    for days, title in [(10, "Ten days ago"), (5, "Five days ago"), (0, "Today")]:
        transcribed(team, owner, title, [(0.0, "0", "the roadmap")], created_at=now - timedelta(days=days))
    start, end = (now - timedelta(days=5)).date(), now.date()
    assert found(owner, "roadmap", filters=SearchFilters(date_from=start)) == {"Five days ago", "Today"}
    assert found(owner, "roadmap", filters=SearchFilters(date_to=start)) == {"Ten days ago", "Five days ago"}
    assert found(owner, "roadmap", filters=SearchFilters(date_from=end, date_to=end)) == {"Today"}


def test_the_address_carries_every_filter(owner_client, corpus, teammate, team):
    wanted = parse_request(
        {
            "q": "budget",
            "team": str(team.pk),
            "creator": str(teammate.pk),
            "sort": "newest",
            "speaker": "Speaker A",
        }
    )
    assert wanted.querystring() == (
        f"q=budget&team={team.pk}&creator={teammate.pk}&speaker=Speaker+A&sort=newest"
    )
    text = page_text(owner_client.get(reverse("search") + "?" + wanted.querystring()))
    assert "Budget review" in text and "Launch plan" not in text


def test_facets_offer_what_the_user_may_see(corpus, owner, teammate, outsider, team):
    options = facet_options(user=owner)
    assert (team.pk, "Acme Research") in options.teams
    assert {name for _, name in options.creators} == {"olivia", "tomas"}
    assert "local/whisper-base" in options.models and "en" in options.languages and "ru" in options.languages
    results = search(user=owner, query="budget")
    assert results.team_counts == {team.pk: 2}
    outsiders = facet_options(user=outsider)
    assert [name for _, name in outsiders.teams] == ["oscar's workspace"]
    assert outsiders.creators == [] and outsiders.models == [] and outsiders.languages == []


# --- The index follows every change ---------------------------------------------------------


def test_a_new_transcript_is_found_as_soon_as_it_is_recorded(team, owner):
    job = make_job(team=team, user=owner, state=JobState.PROCESSING, title="Fresh")
    assert found(owner, "brandnew") == set()
    record_result(
        job_id=job.pk,
        transcript=NormalisedTranscript(
            text="A brandnew recording.", segments=[Segment(start=0.0, end=2.0, text="A brandnew recording.")]
        ),
    )
    assert found(owner, "brandnew") == {"Fresh"}


def test_an_edited_segment_and_its_undo(team, owner):
    job = transcribed(team, owner)
    edit = correct_segment(
        transcript=job.transcript, index=1, text="ask not what the treasury can do", by=owner
    )
    assert found(owner, "treasury") == {"Inaugural address"}
    assert titles(search(user=owner, query='"ask not what your"')) == []
    undo_edit(edit=edit, by=owner)
    assert found(owner, "treasury") == set()
    assert found(owner, '"ask not what your"') == {"Inaugural address"}


def test_a_renamed_title_and_a_renamed_speaker(team, owner):
    job = transcribed(team, owner)
    rename_job(job=job, title="Kennedy, January 1961", by=owner)
    assert found(owner, "january") == {"Kennedy, January 1961"}
    assert found(owner, "inaugural") == set()
    edit = rename_speaker(transcript=job.transcript, speaker="0", name="John F. Kennedy", by=owner)
    (hit,) = search(user=owner, query="fellow").hits
    assert hit.snippets[0].speaker == "John F. Kennedy"
    assert found(owner, "fellow", filters=SearchFilters(speaker="john f. kennedy")) == {
        "Kennedy, January 1961"
    }
    undo_edit(edit=edit, by=owner)
    assert search(user=owner, query="fellow").hits[0].snippets[0].speaker == "Speaker 0"


def test_a_deleted_transcript_leaves_the_index(team, owner):
    job = transcribed(team, owner)
    delete_job(job=job, by=owner)
    assert found(owner, "country") == set()
    assert not SearchSegment.objects.exists() and not SearchDocument.objects.exists()


def test_reindexing_is_idempotent_and_a_job_without_a_transcript_has_no_rows(team, owner):
    job = transcribed(team, owner)
    assert index_job(job_id=job.pk) == 3 and index_job(job_id=job.pk) == 3
    assert SearchSegment.objects.filter(job=job).count() == 3
    Job.objects.filter(pk=job.pk).update(state=JobState.FAILED)
    assert index_job(job_id=job.pk) == 0 and not SearchSegment.objects.exists()


def test_rebuild_indexes_everything_again(team, owner):
    transcribed(team, owner)
    SearchSegment.objects.all().delete()
    assert found(owner, "country") == set()
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert out.getvalue().strip() == "Indexed 1 transcript."
    assert found(owner, "country") == {"Inaugural address"}


def test_the_migration_indexes_the_transcripts_that_exist_already(team, owner):
    transcribed(team, owner)
    SearchSegment.objects.all().delete()
    SearchDocument.objects.all().delete()
    migration = importlib.import_module("transcripts.migrations.0003_search_index")
    migration.fill(django_apps, SimpleNamespace(connection=connection))
    assert found(owner, "country") == {"Inaugural address"}


# --- Permissions ----------------------------------------------------------------------------


def test_an_outsider_sees_nothing(corpus, outsider_client, outsider):
    results = search(user=outsider, query="budget OR country OR москва")
    assert results.hits == [] and results.total == 0 and results.team_counts == {}
    text = page_text(outsider_client.get(reverse("search"), {"q": "budget"}))
    assert "Budget review" not in text and "Acme Research" not in text and "No transcripts match" in text


def test_a_teammate_sees_the_teams_transcripts_until_they_move_or_the_member_leaves(team, owner, teammate):
    job = transcribed(team, owner)
    other = transcribed(team, owner, "Second address", [(0.0, "0", "my country, again")])
    assert found(teammate, "country") == {"Inaugural address", "Second address"}

    move_job(job=job, team=owner.teams.get(personal=True), by=owner)
    assert found(teammate, "country") == {"Second address"}
    assert search(user=teammate, query="country").total == 1
    assert found(owner, "country") == {"Inaugural address", "Second address"}

    remove_member(membership=Membership.objects.get(team=team, user=teammate), by=owner)
    results = search(user=teammate, query="country")
    assert results.hits == [] and results.total == 0 and results.team_counts == {}
    assert other.pk  # still there for its team
    assert found(owner, "country") == {"Inaugural address", "Second address"}


def test_search_answers_exactly_what_visible_to_allows(corpus, owner, teammate, outsider, team):
    """Whatever the access rule says (Job.objects.visible_to, the one rule), search agrees."""
    side = create_team(user=teammate, name="Side project")
    transcribed(side, teammate, "Side budget", [(0.0, "0", "a tiny budget")])
    move_job(job=corpus["launch"], team=owner.teams.get(personal=True), by=owner)
    for user in (owner, teammate, outsider):
        allowed = set(
            Job.objects.visible_to(user)
            .filter(search_segments__text__icontains="budget")
            .values_list("title", flat=True)
        )
        assert found(user, "budget") == allowed, user
        assert search(user=user, query="budget").total == len(allowed)


def test_filters_never_widen_what_someone_sees(corpus, outsider, team):
    assert found(outsider, "budget", filters=SearchFilters(team_id=team.pk)) == set()


def test_a_member_of_two_teams_sees_both_with_counts_per_team(corpus, owner, teammate, team):
    other_team = create_team(user=teammate, name="Side project")
    transcribed(other_team, teammate, "Side budget", [(0.0, "0", "a tiny budget")])
    results = search(user=teammate, query="budget")
    assert results.team_counts == {team.pk: 2, other_team.pk: 1} and results.total == 3
    assert found(owner, "budget") == {"Budget review", "Launch plan"}  # not in Side project
    Membership.objects.create(team=other_team, user=make_user("newbie"), role=Role.MEMBER)


# --- The page -------------------------------------------------------------------------------


def test_the_page_searches_as_you_type_without_stale_answers(owner_client, corpus):
    html = owner_client.get(reverse("search")).content.decode()
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'hx-sync="closest form:replace"' in html and 'hx-sync="this:replace"' in html
    assert "Search what was said" in html
    response = owner_client.get(
        reverse("search"), {"q": "country", "team": "", "sort": "relevance"}, HTTP_HX_REQUEST="true"
    )
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="search-results"')
    assert response["HX-Push-Url"] == "/search/?q=country"
    assert "<mark>country</mark>" in fragment and "?t=3.10&amp;hl=country#segment-1" in fragment


def test_the_page_lists_results_with_title_team_date_and_moments(owner_client, corpus):
    response = owner_client.get(reverse("search"), {"q": "budget"})
    html, text = response.content.decode(), page_text(response)
    assert "2 transcripts match" in text
    assert "Budget review" in text and "Acme Research" in text and "Speaker A" in text
    assert 'class="search-snippet-time">0:00<' in html and "<mark>budget</mark>" in html


def test_every_page_has_the_search_box_in_the_navigation(owner_client):
    html = owner_client.get(reverse("dashboard")).content.decode()
    assert '<form class="nav-search" role="search" method="get" action="/search/">' in html
    assert '<label class="visually-hidden" for="nav-search-q">Search transcripts</label>' in html


def test_the_transcript_page_has_find_in_transcript_prefilled_from_a_search(owner_client, team, owner):
    job = transcribed(team, owner)
    html = owner_client.get(job.get_absolute_url(), {"t": "3.10", "hl": '"ask not what"'}).content.decode()
    assert "data-find-input" in html and 'value="&quot;ask not what&quot;"' in html and "js/find.js" in html
    assert 'id="segment-1" class="segment is-playing"' in html


def test_search_uses_the_databases_own_index():
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'transcripts_search_fts%%'")
            assert "transcripts_search_fts" in {name for (name,) in cursor.fetchall()}
        else:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'transcripts_searchsegment_vector'"
            )
            assert "gin" in cursor.fetchone()[0]
