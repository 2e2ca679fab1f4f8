"""submit_job: bad input gets a clear message and leaves nothing behind."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from transcripts.models import Job, JobState
from transcripts.providers import all_models
from transcripts.services.submission import SubmissionError, submit_job

pytestmark = pytest.mark.django_db
AUDIO = Path(__file__).resolve().parents[2] / "shared" / "audio"


def local_model() -> str:
    return next(spec.id for spec in all_models() if spec.provider == "local")


def cloud_model() -> str:
    return next(spec.id for spec in all_models() if spec.provider == "cloud")


def upload(name: str = "jfk.flac", content: bytes | None = None) -> SimpleUploadedFile:
    data = content if content is not None else (AUDIO / name).read_bytes()
    return SimpleUploadedFile(name, data, content_type="audio/flac")


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def test_local_upload_is_queued_with_its_audio(team, owner, media_root):
    job = submit_job(user=owner, team=team, model_id=local_model(), upload=upload())
    assert job.state == JobState.QUEUED
    assert job.provider == "local" and job.title == "jfk"
    assert job.size_bytes == (AUDIO / "jfk.flac").stat().st_size
    assert len(stored_files(media_root)) == 1
    assert job.deadline_at is None


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"<html><body>not audio</body></html>" * 50, "no audio stream"),
        (b"ID3" + bytes(4000), "no audio stream"),
    ],
)
def test_unreadable_files_are_refused_and_nothing_is_stored(team, owner, media_root, content, message):
    with pytest.raises(SubmissionError) as refused:
        submit_job(user=owner, team=team, model_id=local_model(), upload=upload("talk.mp3", content))
    assert message in " ".join(refused.value.message_dict["audio"])
    assert not Job.objects.exists()
    assert stored_files(media_root) == []


def test_cloud_model_without_a_key_says_what_to_do(team, owner):
    with pytest.raises(SubmissionError) as refused:
        submit_job(user=owner, team=team, model_id=cloud_model(), url="https://example.com/a.mp3")
    assert "API key" in refused.value.message_dict["model"][0]
    assert not Job.objects.exists()


def test_file_and_url_together_are_refused(team, owner):
    with pytest.raises(SubmissionError):
        submit_job(
            user=owner, team=team, model_id=local_model(), upload=upload(), url="https://example.com/a.mp3"
        )


def test_unknown_model_is_refused(team, owner):
    with pytest.raises(SubmissionError) as refused:
        submit_job(user=owner, team=team, model_id="nope/model", upload=upload())
    assert "Unknown model" in refused.value.message_dict["model"][0]


def test_a_non_member_cannot_submit_to_a_team(team, outsider):
    with pytest.raises(SubmissionError):
        submit_job(user=outsider, team=team, model_id=local_model(), upload=upload())
    assert not Job.objects.exists()


def test_non_http_urls_are_refused(team, owner):
    with pytest.raises(SubmissionError) as refused:
        submit_job(user=owner, team=team, model_id=local_model(), url="file:///etc/passwd")
    assert "http" in refused.value.message_dict["url"][0]


def test_a_failure_after_the_file_was_saved_removes_it(team, owner, media_root, monkeypatch):
    from transcripts.services import submission

    def broken_dispatch(**kwargs):
        raise RuntimeError("broker down")

    monkeypatch.setattr(submission, "dispatch", broken_dispatch)
    with pytest.raises(RuntimeError):
        submit_job(user=owner, team=team, model_id=local_model(), upload=upload())
    assert not Job.objects.exists()
    assert stored_files(media_root) == []


def test_a_key_the_api_rejected_is_not_used_again(team, owner):
    from transcripts.models import ProviderKey
    from transcripts.services.keys import mark_key_invalid, save_key

    key = save_key(user=owner, secret="sk-live-abcd1234", by=owner)
    mark_key_invalid(key_id=key.pk, message="401")
    with pytest.raises(SubmissionError) as refused:
        submit_job(user=owner, team=team, model_id=cloud_model(), url="https://example.com/a.mp3")
    assert "update it in Settings" in refused.value.message_dict["model"][0]
    assert ProviderKey.objects.get(pk=key.pk).status == ProviderKey.Status.INVALID
    assert not Job.objects.exists()


# --- Several files and links at once (submit_batch) -------------------------------------------


@pytest.fixture
def loopback(settings):
    """Links on 127.0.0.1 pass the local engine's address check (no DNS needed in tests)."""
    settings.URL_FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]


def batch(owner, team, **kwargs):
    from transcripts.services.submission import submit_batch

    kwargs.setdefault("model_id", local_model())
    return submit_batch(user=owner, team=team, **kwargs)


def test_a_batch_queues_one_job_per_file_and_link(team, owner, media_root, loopback):
    result = batch(
        owner,
        team,
        uploads=[upload("jfk.flac"), upload("hotwords.mp3")],
        urls=["http://127.0.0.1:8000/talks/keynote.mp3", "", "http://127.0.0.1:8000/a/standup.m4a"],
        title="Ignored for several",
    )
    assert result.refused == []
    assert [job.title for job in result.jobs] == ["jfk", "hotwords", "keynote", "standup"]
    assert Job.objects.count() == 4 and len(stored_files(media_root)) == 2
    assert {job.state for job in result.jobs} == {JobState.QUEUED}


def test_a_single_item_takes_the_given_title(team, owner):
    result = batch(owner, team, uploads=[upload()], title="Inaugural address")
    assert [job.title for job in result.jobs] == ["Inaugural address"]


def test_bad_items_are_named_and_leave_nothing_behind_while_good_ones_are_queued(
    team, owner, media_root, loopback
):
    result = batch(
        owner,
        team,
        uploads=[
            upload("jfk.flac"),
            upload("notes.txt", b"Agenda: budget, hiring.\n" * 40),
            upload("empty.mp3", b""),
        ],
        urls=["http://127.0.0.1/ok.mp3", "", "ftp://example.com/call.mp3", "http://127.0.0.1/ok.mp3"],
    )
    assert [job.title for job in result.jobs] == ["jfk", "ok"]
    assert [str(refusal) for refusal in result.refused] == [
        "notes.txt: This file has no audio stream we can read. "
        "Upload an audio or video file (mp3, m4a, wav, flac, ogg, opus, webm, mp4…).",
        "empty.mp3: This file is empty.",
        "line 3 (ftp://example.com/call.mp3): Enter an http:// or https:// address of an audio file.",
        "line 4 (http://127.0.0.1/ok.mp3): The same link is on line 1; it is queued once.",
    ]
    assert [refusal.field for refusal in result.refused] == ["audio", "audio", "urls", "urls"]
    assert result.refused[2].url == "ftp://example.com/call.mp3"  # given back to be fixed
    assert Job.objects.count() == 2
    stored = stored_files(media_root)
    assert len(stored) == 1 and stored[0].name == f"{result.jobs[0].pk}.flac"  # no orphaned files


def test_a_private_address_is_refused_by_line(team, owner):
    result = batch(owner, team, urls=["http://127.0.0.1/secret.mp3"])
    assert result.jobs == []
    assert result.refused[0].item == "line 1 (http://127.0.0.1/secret.mp3)"
    assert not Job.objects.exists()


def test_what_the_items_share_is_checked_once_and_refuses_the_lot(team, owner, media_root):
    with pytest.raises(SubmissionError) as refused:
        batch(owner, team, model_id=cloud_model(), uploads=[upload()], urls=["http://127.0.0.1/a.mp3"])
    assert "API key" in refused.value.message_dict["model"][0]
    with pytest.raises(SubmissionError) as refused:
        batch(owner, team, uploads=[upload()], options={"language": "klingon!"})
    assert "language" in refused.value.message_dict
    assert not Job.objects.exists() and stored_files(media_root) == []


def test_a_batch_over_the_limit_is_refused_before_anything_is_stored(team, owner, media_root, loopback):
    from transcripts.services.submission import BATCH_LIMIT

    urls = [f"http://127.0.0.1/{number}.mp3" for number in range(BATCH_LIMIT)]
    with pytest.raises(SubmissionError) as refused:
        batch(owner, team, uploads=[upload()], urls=urls)
    assert refused.value.message_dict["__all__"] == [
        f"That is {BATCH_LIMIT + 1} recordings; send up to {BATCH_LIMIT} at a time "
        "(the rest can follow in a second batch)."
    ]
    assert not Job.objects.exists() and stored_files(media_root) == []
    assert len(batch(owner, team, urls=urls).jobs) == BATCH_LIMIT  # the limit itself is fine


def test_an_empty_batch_says_what_to_add(team, owner):
    with pytest.raises(SubmissionError) as refused:
        batch(owner, team, urls=["", "   "])
    assert "at least one of the two" in refused.value.message_dict["__all__"][0]


def test_an_outsider_cannot_send_a_batch(team, outsider):
    with pytest.raises(SubmissionError):
        batch(outsider, team, uploads=[upload()])
    assert not Job.objects.exists()


def test_a_broker_failure_refuses_that_item_and_keeps_the_others(team, owner, media_root, monkeypatch):
    from transcripts.services import submission

    real = submission.dispatch
    calls = []

    def flaky_dispatch(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("broker down")
        return real(**kwargs)

    monkeypatch.setattr(submission, "dispatch", flaky_dispatch)
    result = batch(owner, team, uploads=[upload("jfk.flac"), upload("hotwords.mp3"), upload("jfk.flac")])
    assert len(result.jobs) == 2
    assert str(result.refused[0]).startswith("hotwords.mp3: It could not be queued")
    assert Job.objects.count() == 2 and len(stored_files(media_root)) == 2


def test_an_address_longer_than_a_job_can_keep_is_refused(team, owner):
    with pytest.raises(SubmissionError) as refused:
        submit_job(user=owner, team=team, model_id=local_model(), url="https://example.com/" + "a" * 2000)
    assert "keep it to 2,000" in refused.value.message_dict["url"][0]
