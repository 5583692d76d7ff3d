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


@register.filter
def clock_css(deadline, now=None) -> str:
    """The colour of a claim clock: red when breached — or past due and not yet marked by the next scan —, green
    when met, amber once 75 % of its span has run (``warn_at``) or its fixed-notice instant has come; for a clock
    shorter than that notice (the 1-hour dispatch) the fixed notice would be its start, so only the share counts."""
    from django.utils import timezone

    now = now or timezone.now()
    if deadline.breached_at or (deadline.met_at is None and deadline.status == "open" and deadline.due_at < now):
        return "bad"
    if deadline.met_at:
        return "ok"
    if deadline.status != "open":
        return ""
    if deadline.warn_at and now >= deadline.warn_at:
        return "warn"
    if deadline.final_warn_at and deadline.final_warn_at > deadline.starts_at and now >= deadline.final_warn_at:
        return "warn"
    return ""
