"""Benchmark: the embedded local engine (faster-whisper) against faster-whisper's plain default call.

Run:     .venv/bin/python bench/local_engine.py          (or `make bench-local`); about 5 minutes.
Options: --minutes 10 --models whisper-tiny.en,whisper-base --overhead-runs 5 --repeat 1 --no-sweep
         --keep DIR (keep the generated audio there)

What it measures (everything on this machine, no network):
1. A ~10-minute English speech file built from a known text read by espeak-ng (the GPL-3 licence
   text from /usr/share/common-licenses, digits and URLs dropped), with the real recording
   ../shared/audio/jfk.flac between paragraphs, 0.6 s pauses, encoded as MP3 (as users upload).
   Needs espeak-ng (Debian package); the MP3 is written with PyAV.
   The reference for the word error rate is that text plus the JFK sentence.
2. For each model: the app's engine call (``whisper_engine.transcribe_file`` on the process-wide
   model from ``whisper_models.load_model``: int8, cpu_threads from settings, VAD, word
   timestamps, the batched pipeline above 30 s) and faster-whisper's plain default call
   (``WhisperModel(dir).transcribe(file)``, every argument default), each in its own subprocess:
   real-time factor (audio seconds / processing seconds, model load excluded and reported apart),
   peak memory (ru_maxrss of that subprocess) and WER (jiwer, case and punctuation removed).
3. The pipeline choice (``--sweep``, on by default): plain vs batched pipeline of tiny.en on the
   first 20/45/90/180 s of the file, to place the batching threshold.
4. The app's overhead: a real inference cluster (``manage.py qcluster``, ORM broker, fresh SQLite
   in a temp directory) transcribes jfk.flac uploaded through ``submit_job``; overhead = time from
   ``submit_job`` to the stored transcript minus the engine time the worker measured
   (``usage.processing_seconds``) — queue pickup, probe, hashing, DB writes. Target < 0.5 s.
One JSON line with the figures is printed last. Figures and machine: docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUDIO = ROOT.parent / "shared" / "audio"
TEXT_SOURCE = Path("/usr/share/common-licenses/GPL-3")
JFK_TEXT = (
    "And so, my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)
SAMPLE_RATE = 16_000
WORDS_PER_MINUTE = 165


def _django(data_dir: Path | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stt_site.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if data_dir is not None:
        os.environ["STT_DATA_DIR"] = str(data_dir)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- The test file ---------------------------------------------------------------------------


def reference_words(minutes: float) -> list[str]:
    text = TEXT_SOURCE.read_text() if TEXT_SOURCE.exists() else (ROOT / "README.md").read_text()
    start = text.find("Preamble")
    body = text[start + len("Preamble") :] if start >= 0 else text
    words = [w for w in body.split() if not re.search(r"[0-9<>/@#|`*=_\[\]]", w)]
    return words[: int(minutes * WORDS_PER_MINUTE * 0.92)]  # room for the JFK clips


def build_audio(work: Path, minutes: float) -> tuple[Path, str, float]:
    """(mp3 path, reference text, seconds): espeak paragraphs with jfk.flac between them."""
    import av
    import numpy as np
    from faster_whisper import decode_audio

    words = reference_words(minutes)
    paragraphs = [" ".join(words[i : i + 250]) for i in range(0, len(words), 250)]
    jfk = decode_audio(str(AUDIO / "jfk.flac"), sampling_rate=SAMPLE_RATE)
    pause = np.zeros(int(0.6 * SAMPLE_RATE), dtype=np.float32)
    pieces, reference = [], []
    for index, paragraph in enumerate(paragraphs):
        spoken = work / f"p{index}.wav"
        espeak = ["espeak-ng", "-v", "en-us", "-s", str(WORDS_PER_MINUTE), "-w", str(spoken), paragraph]
        subprocess.run(espeak, check=True)
        pieces += [decode_audio(str(spoken), sampling_rate=SAMPLE_RATE), pause, jfk, pause]
        reference += [paragraph, JFK_TEXT]
    samples = np.concatenate(pieces)
    mp3 = work / "speech.mp3"
    with av.open(str(mp3), "w", format="mp3") as out:  # PyAV's own libmp3lame: no ffmpeg needed
        stream = out.add_stream("libmp3lame", rate=SAMPLE_RATE, layout="mono")
        stream.bit_rate = 64_000
        pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return mp3, " ".join(reference), len(samples) / SAMPLE_RATE


def wer(reference: str, hypothesis: str) -> float:
    import jiwer

    def clean(text: str) -> str:
        return " ".join(re.sub(r"[^\w' ]+", " ", text.lower().replace("-", " ")).split())

    return round(jiwer.wer(clean(reference), clean(hypothesis) or "<empty>"), 4)


# --- One engine run per subprocess (so ru_maxrss is that run's peak) -------------------------


def child_engine(model_key: str, mode: str, audio: str) -> dict:
    _django()
    from transcripts.providers import whisper_models
    from transcripts.providers.whisper_engine import transcribe_file

    began = time.monotonic()
    if mode == "plain":
        from faster_whisper import WhisperModel

        model = WhisperModel(str(whisper_models.get_local_model(model_key).locate()))
        loaded = time.monotonic()
        segments, info = model.transcribe(audio)
        text = " ".join(segment.text for segment in segments)
        duration = info.duration
    else:
        local = whisper_models.get_local_model(model_key)
        model = whisper_models.load_model(model_key)
        loaded = time.monotonic()
        result = transcribe_file(
            model=model,
            path=Path(audio),
            options={},
            multilingual_model=local.multilingual,
            channels=1,
            on_progress=lambda share: True,
        )
        text = " ".join(s.text for run in result.runs for s in run.segments)
        duration = result.runs[0].info.duration
    done = time.monotonic()
    return {
        "load_seconds": round(loaded - began, 2),
        "seconds": round(done - loaded, 2),
        "audio_seconds": round(duration, 1),
        "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "text": text,
    }


def child_sweep(audio: str) -> list[dict]:
    _django()
    from faster_whisper import BatchedInferencePipeline, decode_audio

    from transcripts.providers import whisper_models

    model = whisper_models.load_model("whisper-tiny.en")
    pipeline = BatchedInferencePipeline(model)
    samples = decode_audio(audio, sampling_rate=SAMPLE_RATE)
    rows = []
    for seconds in (20, 45, 90, 180):
        clip = samples[: seconds * SAMPLE_RATE]
        row = {"audio_seconds": seconds}
        for name, run in (
            ("plain", lambda c=clip: model.transcribe(c, word_timestamps=True, vad_filter=True)),
            ("batched", lambda c=clip: pipeline.transcribe(c, word_timestamps=True, batch_size=8)),
        ):
            best = float("inf")
            for _ in range(2):
                began = time.monotonic()
                segments, _info = run()
                list(segments)
                best = min(best, time.monotonic() - began)
            row[f"{name}_seconds"] = round(best, 2)
        rows.append(row)
    return rows


def run_child(*args: str) -> dict | list:
    output = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


# --- The app's overhead through a real inference cluster -------------------------------------


def overhead(work: Path, runs: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="cluster-", dir=work))  # a fresh database every run
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
            "MEDIA_ROOT": str(work / "media"),
            "STT_QUEUE_NAME": f"bench-local-{os.getpid()}",
            "AXES_ENABLED": "false",
            "LOCAL_MODEL_CACHE": os.environ.get("LOCAL_MODEL_CACHE", str(ROOT / "data" / "models")),
        }
    )
    os.environ.pop("REDIS_URL", None)
    _django(work / "data")
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from tests.cluster import running_cluster
    from transcripts.models import Job
    from transcripts.services.submission import submit_job
    from transcripts.services.teams import current_team_for

    call_command("migrate", verbosity=0)
    owner = get_user_model().objects.create_user("bench", "bench@example.com", "bench-password-123")
    team = current_team_for(owner)
    data = (AUDIO / "jfk.flac").read_bytes()
    totals, engine = [], []
    with running_cluster(inference=True):
        for index in range(runs + 1):  # the first run loads the model: not counted
            began = time.monotonic()
            upload = SimpleUploadedFile("jfk.flac", data, content_type="audio/flac")
            job = submit_job(user=owner, team=team, model_id="local/whisper-tiny.en", upload=upload)
            while not Job.objects.filter(pk=job.pk, transcript__isnull=False).exists():
                time.sleep(0.005)
            elapsed = time.monotonic() - began
            job.refresh_from_db()
            if index:
                totals.append(elapsed)
                engine.append(job.transcript.usage["processing_seconds"])
    overheads = [total - seconds for total, seconds in zip(totals, engine, strict=True)]
    return {
        "runs": runs,
        "submit_to_transcript_seconds_median": round(statistics.median(totals), 3),
        "engine_seconds_median": round(statistics.median(engine), 3),
        "overhead_seconds_median": round(statistics.median(overheads), 3),
        "overhead_seconds_max": round(max(overheads), 3),
    }


# --- Main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--models", default="whisper-tiny.en,whisper-base")
    parser.add_argument("--overhead-runs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1, help="runs per engine call; the fastest counts")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--keep", help="directory to keep the generated audio in")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        print(json.dumps(child_engine(*rest) if kind == "engine" else child_sweep(*rest)))
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-local-"))
    work.mkdir(parents=True, exist_ok=True)

    load_before = os.getloadavg()[0]
    print(f"building ~{args.minutes:g} min of speech in {work}…", file=sys.stderr)
    audio, reference, seconds = build_audio(work, args.minutes)
    models = {}
    for key in filter(None, args.models.split(",")):
        figures = {}
        for mode in ("app", "plain"):
            print(f"{key}: {mode} call ×{args.repeat}…", file=sys.stderr)
            # The machine may be shared: the fastest of the repeats is the least disturbed one.
            run = min((run_child("engine", key, mode, str(audio)) for _ in range(args.repeat)),
                      key=lambda each: each["seconds"])  # fmt: skip
            run["wer"] = wer(reference, run.pop("text"))
            run["realtime_factor"] = round(run["audio_seconds"] / run["seconds"], 1)
            figures[mode] = run
            print(f"  {json.dumps(run)}", file=sys.stderr)
        figures["speedup_vs_plain"] = round(figures["plain"]["seconds"] / figures["app"]["seconds"], 2)
        figures["wer_app_minus_plain"] = round(figures["app"]["wer"] - figures["plain"]["wer"], 4)
        models[key] = figures
    sweep = None
    if not args.no_sweep:
        print("pipeline sweep (tiny.en)…", file=sys.stderr)
        sweep = run_child("sweep", str(audio))
    print(f"overhead through a real inference cluster ({args.overhead_runs} runs)…", file=sys.stderr)
    app_overhead = overhead(work, args.overhead_runs)
    tiny = models.get("whisper-tiny.en")
    result = {
        "benchmark": "local_engine",
        "cpus": os.cpu_count(),
        "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "repeat": args.repeat,
        "audio_seconds": round(seconds, 1),
        "models": models,
        "pipeline_sweep": sweep,
        "overhead": app_overhead,
        "targets": {
            "tiny_realtime_factor_at_least_40": bool(tiny and tiny["app"]["realtime_factor"] >= 40),
            "tiny_wer_not_worse_than_plain": bool(tiny and tiny["app"]["wer"] <= tiny["plain"]["wer"]),
            "overhead_below_half_a_second": app_overhead["overhead_seconds_median"] < 0.5,
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
