"""SSRF-safe fetching: every address check happens where the socket is opened, on every hop.

A real HTTP server on 127.0.0.1 stands in for "a machine on our network"; resolver test doubles
stand in for DNS (public at the check, private at connect time = DNS rebinding).
"""

from __future__ import annotations

import pytest

from transcripts import safe_fetch
from transcripts.models import Job, JobState
from transcripts.safe_fetch import FetchError, UnsafeURL, check_address, fetch_to_file, validate_public_url
from transcripts.services.pipeline import run_job
from transcripts.services.submission import SubmissionError, submit_job

from .speech_helpers import AUDIO, audio_server

PUBLIC = "93.184.215.14"
MB = 1024 * 1024


@pytest.fixture
def server():
    with audio_server() as running:
        yield running


@pytest.fixture
def allow_loopback(settings):
    settings.URL_FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]


def fetch(url: str, tmp_path, **kwargs):
    kwargs.setdefault("max_bytes", 50 * MB)
    kwargs.setdefault("timeout", 10)
    return fetch_to_file(url, tmp_path / "download", **kwargs)


@pytest.mark.parametrize(
    "address, words",
    [
        ("127.0.0.1", "this server itself"),
        ("::1", "this server itself"),
        ("10.0.0.1", "private network"),
        ("172.16.5.4", "private network"),
        ("192.168.1.10", "private network"),
        ("fd12:3456::1", "private network"),
        ("100.64.0.1", "private network"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.251", "not a public internet address"),
        ("ff02::1", "not a public internet address"),
        ("0.0.0.0", "not a public internet address"),
        ("::", "not a public internet address"),
        ("240.0.0.1", "not a public internet address"),
        ("::ffff:127.0.0.1", "this server itself"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:10.0.0.1", "private network"),
        ("2002:a00:1::", "private network"),  # 6to4 wrapping 10.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 wrapping 169.254.169.254
    ],
)
def test_non_public_addresses_are_refused_with_a_reason(address, words):
    with pytest.raises(UnsafeURL) as refused:
        check_address(address)
    assert words in refused.value.message


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    check_address(address)


def test_private_message_is_the_documented_one():
    with pytest.raises(UnsafeURL) as refused:
        check_address("192.168.0.1")
    assert refused.value.message == "This address points to a private network, which we do not fetch from."


def test_allowed_networks_open_exactly_what_they_name(settings):
    settings.URL_FETCH_ALLOWED_NETWORKS = ["10.20.0.0/16", "127.0.0.0/8"]
    check_address("10.20.3.4")
    check_address("127.0.0.1")
    check_address("::ffff:127.0.0.1")
    with pytest.raises(UnsafeURL):
        check_address("10.21.0.1")
    with pytest.raises(UnsafeURL):
        check_address("169.254.169.254")


@pytest.mark.parametrize(
    "url, words",
    [
        ("ftp://example.com/a.mp3", "http"),
        ("file:///etc/passwd", "http"),
        ("http:///nohost", "host"),
        ("http://user:pw@example.com/a.mp3", "user name or password"),
        ("http://example.com:99999/a.mp3", "port"),
    ],
)
def test_malformed_or_unsupported_urls_are_refused(url, words):
    with pytest.raises(UnsafeURL) as refused:
        validate_public_url(url, resolver=lambda host, port: [PUBLIC])
    assert words in refused.value.message


def test_a_name_resolving_to_any_private_address_is_refused():
    with pytest.raises(UnsafeURL, match="private network"):
        validate_public_url("https://mixed.example/a.mp3", resolver=lambda h, p: [PUBLIC, "10.0.0.7"])


def test_an_unknown_host_is_refused_clearly():
    def nxdomain(host, port):
        raise OSError("Name or service not known")

    with pytest.raises(UnsafeURL, match="could not find the server"):
        validate_public_url("https://no-such-host.invalid/a.mp3", resolver=nxdomain)


def test_the_local_test_server_is_refused_when_not_allowed(server, tmp_path):
    with pytest.raises(UnsafeURL, match="this server itself"):
        validate_public_url(server.url("jfk.flac"))
    with pytest.raises(UnsafeURL, match="this server itself"):
        fetch(server.url("jfk.flac"), tmp_path)
    assert server.requests == []  # refused before any connection
    assert not (tmp_path / "download").exists()


def test_the_local_test_server_is_fetched_when_allowed(server, tmp_path, allow_loopback):
    validate_public_url(server.url("jfk.flac"))
    content_type, size = fetch(server.url("jfk.flac"), tmp_path)
    assert size == (AUDIO / "jfk.flac").stat().st_size
    assert (tmp_path / "download").read_bytes() == (AUDIO / "jfk.flac").read_bytes()
    assert content_type == "audio/flac"


def test_connect_goes_to_the_checked_address_and_keeps_the_host_name(server, tmp_path, allow_loopback):
    port = server.server_address[1]
    fetch(f"http://audio.example:{port}/jfk.flac", tmp_path, resolver=lambda host, p: ["127.0.0.1"])
    assert server.requests[-1] == (f"audio.example:{port}", "/jfk.flac")


def test_dns_rebinding_between_check_and_connect_is_refused(server, tmp_path):
    port = server.server_address[1]
    answers = iter([[PUBLIC], ["127.0.0.1"]])  # public when checked, loopback when connecting

    def rebinding(host, p):
        return next(answers)

    url = f"http://rebind.example:{port}/jfk.flac"
    validate_public_url(url, resolver=rebinding)  # the check at submission passes...
    with pytest.raises(UnsafeURL, match="this server itself"):
        fetch(url, tmp_path, resolver=rebinding)  # ...the connection is refused
    assert server.requests == []


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/a.mp3"])
def test_a_redirect_to_a_private_address_is_refused(server, tmp_path, allow_loopback, target):
    with pytest.raises(UnsafeURL):
        fetch(server.redirect(target), tmp_path)
    assert len(server.requests) == 1  # the first hop only; the second was never connected


def test_redirects_are_followed_and_each_hop_checked(server, tmp_path, allow_loopback):
    final = server.url("jfk.flac")
    _type, size = fetch(server.redirect(server.redirect(final, code=307), code=301), tmp_path)
    assert size == (AUDIO / "jfk.flac").stat().st_size
    assert [path for _host, path in server.requests][-1] == "/jfk.flac"


def test_more_than_five_redirects_are_refused(server, tmp_path, allow_loopback):
    url = server.url("jfk.flac")
    for _ in range(6):
        url = server.redirect(url)
    with pytest.raises(UnsafeURL, match="more than 5 times"):
        fetch(url, tmp_path)


def test_a_declared_length_over_the_cap_is_refused_before_reading(server, tmp_path, allow_loopback):
    with pytest.raises(FetchError, match="larger than"):
        fetch(server.url("huge"), tmp_path, max_bytes=MB)
    assert not (tmp_path / "download").exists()


def test_streamed_bytes_over_the_cap_are_refused(server, tmp_path, allow_loopback):
    with pytest.raises(FetchError, match="larger than"):
        fetch(server.url("huge?no-length=1"), tmp_path, max_bytes=MB)
    assert not (tmp_path / "download").exists()


def test_the_total_time_is_capped(server, tmp_path, allow_loopback):
    with pytest.raises(FetchError, match="took"):
        fetch(server.url("slow"), tmp_path, timeout=1.0)
    assert not (tmp_path / "download").exists()


def test_http_errors_are_reported(server, tmp_path, allow_loopback):
    with pytest.raises(FetchError, match="404"):
        fetch(server.url("missing.mp3"), tmp_path)


def test_a_cancelled_fetch_stops(server, tmp_path, allow_loopback):
    with pytest.raises(safe_fetch.FetchCancelled):
        fetch(server.url("slow"), tmp_path, on_progress=lambda size: False)


# --- Through submission and the local engine -------------------------------------------------


@pytest.mark.django_db
def test_submission_refuses_a_private_url_for_the_local_engine(team, owner, server):
    with pytest.raises(SubmissionError) as refused:
        submit_job(user=owner, team=team, model_id="local/whisper-tiny.en", url=server.url("jfk.flac"))
    assert "this server itself" in refused.value.message_dict["url"][0]
    assert not Job.objects.exists()


@pytest.mark.engine
@pytest.mark.django_db
def test_a_url_job_is_fetched_stored_and_transcribed(team, owner, server, allow_loopback):
    job = submit_job(user=owner, team=team, model_id="local/whisper-tiny.en", url=server.url("jfk.flac"))
    run_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.COMPLETED, job.error_message
    assert job.audio.name.endswith(".flac") and job.audio.size == (AUDIO / "jfk.flac").stat().st_size
    assert (job.size_bytes, job.content_type, job.original_filename) == (
        job.audio.size,
        "audio/flac",
        "jfk.flac",
    )
    assert "ask not what your country" in job.transcript.text.lower()


@pytest.mark.django_db
def test_a_url_that_turned_private_fails_the_job_with_the_reason(team, owner, server, settings, tmp_path):
    settings.URL_FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    job = submit_job(user=owner, team=team, model_id="local/whisper-tiny.en", url=server.url("jfk.flac"))
    settings.URL_FETCH_ALLOWED_NETWORKS = []  # the operator closed it (or DNS changed) before it ran
    run_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.error_code) == (JobState.FAILED, "fetch_failed")
    assert "this server itself" in job.error_message
    assert not job.audio


@pytest.mark.django_db
def test_a_url_serving_something_else_than_audio_fails_clearly(team, owner, tmp_path, settings):
    (tmp_path / "page.mp3").write_text("<html>not audio</html>" * 100)
    settings.URL_FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with audio_server(tmp_path) as running:
        job = submit_job(user=owner, team=team, model_id="local/whisper-tiny.en", url=running.url("page.mp3"))
        run_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.error_code) == (JobState.FAILED, "unreadable_audio")
    assert job.error_message.startswith("This file has no audio stream we can read")
