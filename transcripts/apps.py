from django.apps import AppConfig
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


class TranscriptsConfig(AppConfig):
    name = "transcripts"
    verbose_name = "Transcripts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the personal-team signal)

        post_migrate.connect(ensure_sweep_schedule, sender=self, dispatch_uid="sweep-schedule")
