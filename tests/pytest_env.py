"""Loaded with ``-p`` (pyproject addopts) so it runs before pytest-django reads the settings.

Each test run gets a queue of its own, so tasks one run leaves in Redis (or a developer's
``make run``) are never picked up by another run's cluster.
"""

import os

os.environ.setdefault("STT_QUEUE_NAME", f"stt-test-{os.getpid()}")
