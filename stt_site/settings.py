"""Settings for the speech-to-text workspace.

Everything is read from environment variables with defaults that run on one machine with no
configuration: SQLite and django-q2's ORM broker under ``STT_DATA_DIR``. ``DATABASE_URL`` and
``REDIS_URL`` move the same code to PostgreSQL and Redis with many worker machines.
``DJANGO_ENV=production`` turns on the HTTPS hardening that ``manage.py check --deploy`` asks for.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DJANGO_ENV = env_str("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

DATA_DIR = Path(env_str("STT_DATA_DIR", str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _development_secret_key() -> str:
    """A key generated once per data directory, so sessions survive restarts without a committed key."""
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
    SECRET_KEY = _development_secret_key()

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "django_q",
    "transcripts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "transcripts.middleware.HtmxMessagesMiddleware",  # after both: runs before them on the way out
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "stt_site.urls"
WSGI_APPLICATION = "stt_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "transcripts.context_processors.workspace",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{DATA_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait on the timeout
        # instead of failing with "database is locked" when a read lock is upgraded.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
    }
    # The test database is a file too, so a real django-q2 cluster in a subprocess can share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
DB_VENDOR = "postgresql" if DATABASES["default"]["ENGINE"].endswith("postgresql") else "sqlite"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Task queue (django-q2) -------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
Q_QUEUE_NAME = env_str("STT_QUEUE_NAME", "stt")
TASK_TIMEOUT = env_int("STT_TASK_TIMEOUT", 120)
INFERENCE_TIMEOUT = env_int("STT_INFERENCE_TIMEOUT", 3 * 3600)
INFERENCE_WORKERS = env_int("STT_INFERENCE_WORKERS", 1)
Q_CLUSTER = {
    "name": Q_QUEUE_NAME,
    "workers": env_int("STT_QUEUE_WORKERS", 2),
    # retry must exceed timeout, or a task still running is delivered a second time.
    "timeout": TASK_TIMEOUT,
    "retry": TASK_TIMEOUT + 60,
    "max_attempts": 3,
    "save_limit": 200,
    "ack_failures": True,
    "catch_up": False,
    "poll": 0.2,
    "label": "Task queue",
    "sync": env_bool("STT_QUEUE_SYNC", False),
    # CPU-bound local inference runs in its own cluster, so network tasks never wait behind it.
    "ALT_CLUSTERS": {
        f"{Q_QUEUE_NAME}-inference": {
            "workers": INFERENCE_WORKERS,
            "timeout": INFERENCE_TIMEOUT,
            "retry": INFERENCE_TIMEOUT + 300,
            "max_attempts": 1,
            "recycle": 50,
        },
    },
}
INFERENCE_CLUSTER = f"{Q_QUEUE_NAME}-inference"
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 24 * 3600)
INVITATION_TTL_DAYS = env_int("STT_INVITATION_TTL_DAYS", 7)
# Share links record each opening; the visitor's address only when the operator turns this on.
STT_SHARE_LOG_IP = env_bool("STT_SHARE_LOG_IP", False)

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_IPWARE_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0) or None

# --- I18N -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: audio is streamed by a view that checks access
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STT_HASHED_STATIC", PRODUCTION)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads spool to disk
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_UPLOAD_BYTES = env_int("STT_MAX_UPLOAD_MB", 2048) * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Email ----------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Transcribe <noreply@localhost>")

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (documented in README).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Provider keys at rest -------------------------------------------------------------------
# Comma-separated Fernet keys, newest first. Absent: one is generated into the data directory.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
FIELD_ENCRYPTION_KEY_FILE = DATA_DIR / "fernet.keys"

# --- The AI/ML API (cloud transcription) ----------------------------------------------------
AIMLAPI_BASE_URL = env_str("AIMLAPI_BASE_URL", "https://api.aimlapi.com").rstrip("/")
AIMLAPI_CONNECT_TIMEOUT = env_float("AIMLAPI_CONNECT_TIMEOUT", 10)
AIMLAPI_READ_TIMEOUT = env_float("AIMLAPI_READ_TIMEOUT", 60)
AIMLAPI_UPLOAD_READ_TIMEOUT = env_float("AIMLAPI_UPLOAD_READ_TIMEOUT", 300)
STT_JOB_DEADLINE_SECONDS = env_int("STT_JOB_DEADLINE_SECONDS", 600)
STT_VENDOR_RETENTION_SECONDS = env_int("STT_VENDOR_RETENTION_SECONDS", 3600)
STT_POLL_FIRST_DELAY = env_float("STT_POLL_FIRST_DELAY", 2.5)
STT_POLL_MAX_INTERVAL = env_float("STT_POLL_MAX_INTERVAL", 15)
STT_RETRY_MAX_ATTEMPTS = env_int("STT_RETRY_MAX_ATTEMPTS", 6)
STT_POLLER_THREADS = env_int("STT_POLLER_THREADS", 16)
STT_POLLER_RUN_SECONDS = env_float("STT_POLLER_RUN_SECONDS", 30)
STT_POLLER_LEASE_SECONDS = env_float("STT_POLLER_LEASE_SECONDS", 20)

# --- Local engine ---------------------------------------------------------------------------
# "name=directory-or-hub-name" pairs added to the two bundled models, e.g. "small=small".
LOCAL_WHISPER_EXTRA_MODELS = env_list("LOCAL_WHISPER_MODELS")
LOCAL_WHISPER_DEVICE = env_str("LOCAL_WHISPER_DEVICE", "auto")
LOCAL_WHISPER_CPU_THREADS = env_int(
    "LOCAL_WHISPER_CPU_THREADS", max(1, (os.cpu_count() or 1) // INFERENCE_WORKERS)
)
LOCAL_MODEL_CACHE = Path(env_str("LOCAL_MODEL_CACHE", str(DATA_DIR / "models")))
URL_FETCH_MAX_BYTES = env_int("STT_URL_FETCH_MAX_MB", 1024) * 1024 * 1024
URL_FETCH_TIMEOUT = env_float("STT_URL_FETCH_TIMEOUT", 300)
# Tests and private deployments may allow fetching from these networks (CIDRs); empty = public only.
URL_FETCH_ALLOWED_NETWORKS = env_list("STT_URL_FETCH_ALLOWED_NETWORKS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
