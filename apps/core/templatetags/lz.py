"""Template helpers shared by every app's pages."""

from html.parser import HTMLParser

from django import template
from django.template.loader import render_to_string
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


# --- the filter form of a list: {% filterbox %}<form class="filters" …>…</form>{% endfilterbox %} ------------------

FILTER_IGNORED = {"page", "export", "format"}  # query parameters that are not filters
FILTER_PERSONAL = {"id_no": "id", "name": "name", "phone": "phone"}  # typed personal data: masked when repeated


class _FilterFields(HTMLParser):
    """The visible fields of a filter form's markup: ``{name: {"label", "kind", "options"}}``, the label being the
    text of the ``<label>`` around the field or naming it (``for=``), else its ``aria-label``; the options of a
    select by value, and of check boxes and radio buttons (one field per name) each by its own label."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, dict] = {}
        self.label_for: dict[str, str] = {}
        self._labels: list[dict] = []  # open <label> elements: {"for", "text", "names", "checks"}
        self._select: dict | None = None
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self._labels.append({"for": attrs.get("for"), "text": [], "names": [], "checks": []})
        elif tag in ("input", "select", "textarea"):
            kind = attrs.get("type", "text") if tag == "input" else tag
            name = attrs.get("name")
            if not name or kind in ("hidden", "submit", "button", "reset", "image"):
                return
            field = self.fields.setdefault(name, {"label": attrs.get("aria-label", ""), "kind": kind,
                                                   "options": {}, "id": attrs.get("id")})
            if self._labels and kind in ("checkbox", "radio"):
                self._labels[-1]["checks"].append((name, attrs.get("value") or "on"))
            elif self._labels:
                self._labels[-1]["names"].append(name)
            if tag == "select":
                self._select = field
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value"), []]

    def handle_endtag(self, tag):
        if tag == "label" and self._labels:
            label = self._labels.pop()
            text = " ".join("".join(label["text"]).split())
            if label["for"]:
                self.label_for[label["for"]] = text
            for name in label["names"]:
                self.fields[name]["label"] = self.fields[name]["label"] or text
            for name, value in label["checks"]:
                self.fields[name]["options"][value] = text
        elif tag == "option" and self._option is not None:
            value, text = self._option
            text = " ".join("".join(text).split())
            self._select["options"][text if value is None else value] = text
            self._option = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._option is not None:
            self._option[1].append(data)
        elif self._labels and self._select is None:
            self._labels[-1]["text"].append(data)


def active_filters(query, markup: str) -> list[tuple[str, str]]:
    """The filters of ``markup`` (a filter form) that the query string ``query`` sets: ``[(label, shown value)]``,
    a choice by its label (never its stored value), typed text as typed (personal data masked), check boxes and
    radio buttons by the labels of those chosen; a field without a label is left out."""
    parser = _FilterFields()
    parser.feed(markup)
    parser.close()
    active = []
    for name, field in parser.fields.items():
        values = [v for v in query.getlist(name) if v.strip()] if name not in FILTER_IGNORED else []
        if values and field["kind"] in ("checkbox", "radio"):  # named by the labels of the ones chosen
            chosen = [field["options"][v] for v in values if field["options"].get(v)]
            if chosen:
                active.append(("、".join(chosen), ""))
            continue
        label = field["label"] or parser.label_for.get(field["id"] or "", "")
        if not values or not label:
            continue
        if field["kind"] == "select":
            shown = [field["options"][v] for v in values if v in field["options"]]
        elif name in FILTER_PERSONAL:
            shown = [masked(v, FILTER_PERSONAL[name]) for v in values]
        else:
            shown = values
        active.append((label.rstrip("：:"), "、".join(shown)))
    return active


class FilterBoxNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        markup = self.nodelist.render(context)  # a SafeString: the template's own escaped output
        request = context.get("request")
        active = active_filters(request.GET, markup) if request is not None else []
        return render_to_string("includes/filterbox.html", {"markup": markup, "active": active})


@register.tag
def filterbox(parser, token):
    """Wraps a list's filter form in a 筛选 disclosure (``<details class="filterbox" open>``, templates/includes/
    filterbox.html): open on a wide screen; on a phone static/js/nav.js closes it unless a filter is set, and its
    summary names the filters set. Without JavaScript it stays open (and can be closed by hand)."""
    nodelist = parser.parse(("endfilterbox",))
    parser.delete_first_token()
    return FilterBoxNode(nodelist)
