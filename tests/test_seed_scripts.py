"""Acceptance: the AI/ML API's own example scripts, taken from the vendor pages in ../shared/seeds at
test time, run unchanged against this server except for base_url, api_key, the model and where
the audio is. They print the transcript when this server is a faithful stand-in.

The pages come as plain text, Markdown and HTML-in-Markdown; the scripts are found in all three.
The scripts sleep 10 s between polls, so all of them run in parallel as real subprocesses against
a live server whose jobs a real inference cluster processes.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

import pytest

from transcripts.services.api_tokens import create_token

from .cluster import running_cluster
from .speech_helpers import AUDIO, SEEDS, audio_server

SCRIPT = re.compile(
    r'^import time\nimport requests\n.*?^if __name__ == "__main__":\n    main\(\)$', re.M | re.S
)
PHRASE = "ask not what your country can do for you"
# Seeds for models this server does not run are pointed at one it does (the brief's rule).
MODEL_FOR = {"tiny": "#g1_whisper-tiny", "base": "#g1_whisper-base", "medium": "#g1_whisper-tiny",
             "large": "#g1_whisper-base"}  # fmt: skip


@dataclass(frozen=True)
class SeedScript:
    seed: str
    variant: str  # "url" | "file"
    model: str  # the model the page uses
    code: str


def seed_scripts() -> list[SeedScript]:
    found = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = html.unescape(path.read_text(encoding="utf-8"))
        text = re.sub(r"</?(?:pre|code|strong|em|span)\b[^>]*>", "", text)  # the HTML-in-Markdown page
        for code in SCRIPT.findall(text.replace("\r\n", "\n")):
            variant = "file" if "stt-sample.mp3" in code else "url"
            model = re.search(r'"model": "([^"]+)"', code)[1]
            found.append(SeedScript(seed=path.stem, variant=variant, model=model, code=code))
    return found


def adapted(script: SeedScript, *, base_url: str, api_key: str, model: str, audio_url: str) -> str:
    """The script with only base_url, api_key, the model and (URL variant) the audio URL changed."""
    code = script.code
    replacements = [
        (r'^base_url = "[^"]*"$', f'base_url = "{base_url}"'),
        (r'^api_key = "[^"]*"$', f'api_key = "{api_key}"'),
        (r'"model": "[^"]*"', f'"model": "{model}"'),
    ]
    if script.variant == "url":
        replacements.append((r'"url": "[^"]*"', f'"url": "{audio_url}"'))
    for pattern, replacement in replacements:
        code, count = re.subn(pattern, replacement, code, flags=re.M)
        assert count == 1, f"{script.seed}: expected one match of {pattern}"
    return code


def family(model: str) -> str:
    return model.removeprefix("#g1_whisper-")


def test_every_seed_page_yields_both_example_scripts():
    scripts = seed_scripts()
    by_seed: dict[str, set[str]] = {}
    for script in scripts:
        by_seed.setdefault(script.seed, set()).add(script.variant)
        assert family(script.model) in MODEL_FOR
        compile(script.code, script.seed, "exec")  # real Python, not page debris
    assert len(by_seed) == len(list(SEEDS.glob("*.txt"))) >= 5
    assert all(variants == {"url", "file"} for variants in by_seed.values())
    # What the scripts rely on: they wait only while the status is "waiting" or "active".
    assert all('status == "waiting" or status == "active"' in script.code for script in scripts)


@pytest.mark.cluster
@pytest.mark.engine
def test_the_vendors_example_scripts_print_the_transcript(live_server, settings, owner, tmp_path):
    settings.URL_FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the clip server below, in this test only
    api_key = create_token(user=owner, name="seed scripts")[1]  # legacy status words (the default)
    runs = []
    with (
        audio_server() as clips,
        running_cluster(inference=True, STT_URL_FETCH_ALLOWED_NETWORKS="127.0.0.0/8"),
    ):
        for index, script in enumerate(seed_scripts()):
            workdir = tmp_path / f"{index}-{script.seed}-{script.variant}"
            workdir.mkdir()
            shutil.copyfile(AUDIO / "jfk.flac", workdir / "stt-sample.mp3")  # the name the script opens
            model = MODEL_FOR[family(script.model)]
            code = adapted(
                script,
                base_url=f"{live_server.url}/v1",
                api_key=api_key,
                model=model,
                audio_url=clips.url("jfk.flac"),
            )
            (workdir / "example.py").write_text(code)
            process = subprocess.Popen(
                [sys.executable, "example.py"],
                cwd=workdir,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            runs.append((script, process))
        outputs = [
            (script, process.communicate(timeout=180)[0], process.returncode) for script, process in runs
        ]
    assert len(outputs) >= 10
    for script, output, returncode in outputs:
        label = f"{script.seed} ({script.variant})"
        assert returncode == 0, f"{label} crashed:\n{output}"
        assert "'generation_id':" in output, f"{label}:\n{output}"
        assert "Processing complete" in output and PHRASE in output.lower().replace(",", ""), (
            f"{label}:\n{output}"
        )
