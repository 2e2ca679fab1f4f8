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
