import os

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate


def ensure_sweep_schedule(sender, **kwargs) -> None:
    """The sweep that resumes work dead workers left behind runs every minute on any cluster."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="sweep-jobs",
        defaults={
            "func": "transcripts.tasks.sweep_jobs",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )


def warm_inference_worker(sender, proc_name: str = "", **kwargs) -> None:
    """django-q2 sends ``post_spawn`` in each worker process it starts (or recycles), just before
    the worker takes its first task. In the inference cluster (``Q_CLUSTER_NAME``, as
    ``manage.py serve`` and tests/cluster.py start it) the local models are loaded then, in a
    background thread, so the first job after a start does not pay for loading them."""
    if os.environ.get("Q_CLUSTER_NAME") != settings.INFERENCE_CLUSTER:
        return
    from .providers.local import warm_up_in_background

    warm_up_in_background()


class TranscriptsConfig(AppConfig):
    name = "transcripts"
    verbose_name = "Transcripts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        from . import signals  # noqa: F401  (connects the personal-team signal)

        post_migrate.connect(ensure_sweep_schedule, sender=self, dispatch_uid="sweep-schedule")
        post_spawn.connect(warm_inference_worker, dispatch_uid="warm-inference-worker")
