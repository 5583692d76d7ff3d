"""Template helpers shared by every app's pages."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.rules import rule_label as _rule_label

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """The current query string with some parameters replaced (keeps filters across pages)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def rule_label(rule: str) -> str:
    return _rule_label(rule)


@register.filter
def choice_label(value, field: str) -> str:
    """The label of a stored choice value: ``{{ kind|choice_label:"credit.SupervisoryAction.kind" }}`` (never the
    machine value on screen; an unknown value is shown as it is)."""
    from django.apps import apps

    app_label, model_name, field_name = field.split(".")
    choices = dict(apps.get_model(app_label, model_name)._meta.get_field(field_name).flatchoices)
    return str(choices.get(value, value))


@register.filter
def deadline_css(deadline, now=None) -> str:
    now = now or timezone.now()
    if deadline.breached_at:
        return "bad"
    if deadline.met_at:
        return "ok"
    if (deadline.final_warn_at and now >= deadline.final_warn_at) or (deadline.warn_at and now >= deadline.warn_at):
        return "warn"
    return ""


@register.filter
def remaining_label(deadline, now=None) -> str:
    now = now or timezone.now()
    if deadline.met_at:
        return _("已完成")
    delta = deadline.due_at - now
    seconds = int(delta.total_seconds())
    sign = "" if seconds >= 0 else "-"
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        text = _("%(d)d 天 %(h)d 小时") % {"d": days, "h": hours}
    else:
        text = _("%(h)d 小时 %(m)d 分") % {"h": hours, "m": rest // 60}
    return (_("已超期 ") + text) if sign else text


@register.filter
def masked(value, kind="text"):
    from apps.core import crypto

    return {"id": crypto.mask_id_no, "phone": crypto.mask_phone, "name": crypto.mask_name}.get(kind, crypto.mask_text)(value)


@register.filter
def safe_href(value) -> str:
    """``value`` when it may stand in an ``href`` (http/https or a path on this site), else "": a stored link
    is never rendered as ``javascript:`` or another scheme, whatever reached the database."""
    from apps.core.validators import is_safe_link

    value = str(value or "")
    return value if is_safe_link(value) else ""
