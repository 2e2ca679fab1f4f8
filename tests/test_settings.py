"""Settings read from the environment: one machine by default, production hardening on demand."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The app's own settings, as a deployment has them (the test run's are tests.settings).
    dropped = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    base = {key: value for key, value in os.environ.items() if key not in dropped}
    base.update(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_passes_check_deploy_silently(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-1234567890",
        ALLOWED_HOSTS="transcribe.example.com",
        STT_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage(
        "check", DJANGO_ENV="production", ALLOWED_HOSTS="x.example.com", STT_DATA_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_generates_a_secret_key_once_in_the_data_dir(tmp_path):
    for _ in range(2):
        assert manage("check", STT_DATA_DIR=str(tmp_path)).returncode == 0
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and len(key_file.read_text().strip()) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_default_backends_are_sqlite_and_the_orm_broker(tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='stt_site.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['OPTIONS']['transaction_mode'],"
        " 'orm' in s.Q_CLUSTER, s.Q_CLUSTER['retry'] > s.Q_CLUSTER['timeout'])"
    )
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    env["STT_DATA_DIR"] = str(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.split() == ["django.db.backends.sqlite3", "IMMEDIATE", "True", "True"], out.stderr


def test_the_app_hashes_passwords_strongly_and_only_the_test_run_fast(tmp_path):

    from django.contrib.auth.hashers import get_hasher

    code = (
        "import django; django.setup(); from django.contrib.auth.hashers import get_hasher;"
        "print(get_hasher().algorithm)"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(STT_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="stt_site.settings")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.split() == ["pbkdf2_sha256"], out.stderr
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "tests.settings" and get_hasher().algorithm == "md5"


def test_the_browser_tests_flag_for_async_unsafe_orm_calls_does_not_leak_past_them():
    # tests/browser/ runs first; its module-scoped fixture must have taken the flag away again.
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ
