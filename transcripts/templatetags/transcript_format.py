from django import template

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
