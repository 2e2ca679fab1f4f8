from django import template

from .. import providers
from ..services.job_timing import job_timing
from ..services.transcript_view import default_speaker_name

register = template.Library()


@register.filter
def timestamp(seconds) -> str:
    """12.3 -> "0:12", 3725 -> "1:02:05"."""
    if seconds in (None, ""):
        return ""
    total = int(float(seconds))
    hours, remainder = divmod(total, 3600)
    minutes, secs = divmod(remainder, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def provider_label(name: str) -> str:
    """A job's provider as people call it ("AI/ML API", "Local engine")."""
    return providers.provider_label(name)


@register.filter
def get_item(mapping, key):
    """``{{ edits|get_item:segment.index }}``: a dict lookup by a variable key."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def seconds(value) -> str:
    """A time for data attributes and links: 83.5 -> "83.50" (no locale formatting)."""
    return "" if value in (None, "") else f"{float(value):.2f}"


SPEAKER_COLOURS = 6


@register.filter
def speaker_colour(number) -> int:
    """The colour of a speaker's chip (.speaker-0 … .speaker-5), by order of appearance."""
    try:
        return int(number) % SPEAKER_COLOURS
    except (TypeError, ValueError):
        return 0


@register.filter
def default_speaker(label: str) -> str:
    """A speaker label as shown before anyone named it: "0" -> "Speaker 0"."""
    return default_speaker_name(str(label))


@register.filter
def timing_label(job) -> str:
    """ "1 min 05 s elapsed · about 2 min left" for a job being processed; "" otherwise."""
    return job_timing(job=job).label or ""
