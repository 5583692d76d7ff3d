"""Template helpers of the claims pages: durations, shares and their colours."""

from django import template
from django.utils.translation import gettext as _

from apps.claims.charts import share_css as _share_css

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds as people read them: minutes under 2 hours, hours under 2 days, else days."""
    if seconds is None or seconds == "":
        return "—"
    seconds = float(seconds)
    if seconds < 7200:
        return _("%(n).0f 分钟") % {"n": seconds / 60}
    if seconds < 172800:
        return _("%(n).1f 小时") % {"n": seconds / 3600}
    return _("%(n).1f 天") % {"n": seconds / 86400}


@register.filter
def pct(share) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


@register.filter
def share_css(share) -> str:
    return _share_css(share)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
