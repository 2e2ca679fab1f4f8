from django import template

from .. import providers

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
