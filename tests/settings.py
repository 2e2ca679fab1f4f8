"""Settings of a test run: the app's own (``stt_site.settings``) plus what only tests want.

Subprocesses a test starts (the django-q2 clusters, ``manage.py check --deploy``) run the app's
own settings, as a deployment would.
"""

import os

# Before the app's settings are read: a queue of this run's own, so tasks one run leaves in Redis
# (or a developer's `make run`) are never picked up by another run's cluster.
os.environ.setdefault("STT_QUEUE_NAME", f"stt-test-{os.getpid()}")

from stt_site.settings import *  # noqa: F403

# For speed: one PBKDF2 hash costs about 0.9 s on this machine and every user fixture hashes.
# tests/test_settings.py proves the app's own settings keep a strong hasher.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
