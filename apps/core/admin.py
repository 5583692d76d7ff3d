import datetime as dt
import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import calendar, deadlines, whatif
from .models import AuditEvent, Deadline, WorkCalendarDay, WorkCalendarYear
from .rules import registered_rules


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "actor", "organization", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["action", "object_type", "object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _RecomputeOnSave:
    """A calendar correction recomputes every open clock in the same transaction (breaches stay recorded)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._recompute(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._recompute(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._recompute(request)

    def _recompute(self, request):
        count = deadlines.deadlines_recompute(actor=request.user)
        if count:
            messages.info(request, _("已按修正后的日历重新计算 %(count)d 个进行中的时限。") % {"count": count})


LAYER_CHOICES = [(code, f"{code} {name}") for code, name in calendar.LAYER_NAMES.items()]
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s*(?:\.\.|至|~|—|-{2})\s*(\d{4}-\d{2}-\d{2}))?\s*(.*)$")


def _parse_lines(text: str, *, field: str, ranges: bool) -> list[tuple[dt.date, dt.date, str]]:
    out, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = _RANGE.match(line)
        try:
            first = dt.date.fromisoformat(match.group(1)) if match else None
            last = dt.date.fromisoformat(match.group(2)) if match and match.group(2) else first
        except ValueError:
            first = last = None
        if first is None or (match.group(2) and not ranges):
            errors.append(_("%(field)s第 %(n)d 行“%(line)s”无法识别，应为“%(format)s”。") % {
                "field": field, "n": number, "line": line,
                "format": _("2026-04-17 至 2026-04-20 名称") if ranges else _("2026-04-12 名称")})
            continue
        if last < first:
            errors.append(_("%(field)s第 %(n)d 行的结束日早于开始日。") % {"field": field, "n": number})
            continue
        out.append((first, last, match.group(3).strip()))
    if errors:
        raise forms.ValidationError(errors)
    return out


class WorkCalendarYearForm(forms.ModelForm):
    """A layer's whole year in one form: its holiday ranges and its 调休 working weekend days (rules T2, T3)."""

    region = forms.ChoiceField(label=gettext_lazy("日历层级"), choices=LAYER_CHOICES, initial=calendar.NATIONAL)
    holidays = forms.CharField(
        label=gettext_lazy("放假日期"), required=False, widget=forms.Textarea(attrs={"rows": 10, "cols": 60}),
        help_text=gettext_lazy("每行一段：开始日 至 结束日 名称，例如“2026-04-17 至 2026-04-20 壮族三月三”；只放一天的写一个日期。"
                    "区间内的周末也按放假计。"),
    )
    working_days = forms.CharField(
        label=gettext_lazy("调休上班日"), required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=gettext_lazy("每行一个周末上班日：日期 名称，例如“2026-09-20 国庆节调休上班”。"),
    )

    class Meta:
        model = WorkCalendarYear
        fields = ["region", "year", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            arrangement = calendar.arrangement_of(self.instance.region, self.instance.year)
            self.fields["region"].disabled = self.fields["year"].disabled = True
            self.initial["holidays"] = "\n".join(
                f"{a.isoformat()}{'' if a == b else ' 至 ' + b.isoformat()} {name}".rstrip()
                for a, b, name in arrangement.holidays)
            self.initial["working_days"] = "\n".join(
                f"{d.isoformat()} {name}".rstrip() for d, name in arrangement.working_days)

    def clean(self):
        data = super().clean()
        year = data.get("year")
        if year is None:
            return data
        errors: dict[str, list] = {}
        try:
            holidays = _parse_lines(data.get("holidays", ""), field=_("放假日期"), ranges=True)
        except forms.ValidationError as exc:
            errors["holidays"], holidays = exc.messages, []
        try:
            working = _parse_lines(data.get("working_days", ""), field=_("调休上班日"), ranges=False)
        except forms.ValidationError as exc:
            errors["working_days"], working = exc.messages, []
        outside = [a for a, b, _n in holidays + working if a.year != year or b.year != year]
        if outside:
            errors.setdefault("holidays", []).append(
                _("日期 %(day)s 不在 %(year)d 年内：一份安排只含当年的日期。") % {"day": outside[0], "year": year})
        weekdays = [d for d, _e, _n in working if d.weekday() < 5]
        if weekdays:
            errors.setdefault("working_days", []).append(
                _("调休上班日 %(day)s 不是周六或周日：工作日本来就上班，不必录入。") % {"day": weekdays[0]})
        off = {a + dt.timedelta(days=i) for a, b, _n in holidays for i in range((b - a).days + 1)}
        both = sorted(d for d, _e, _n in working if d in off)
        if both:
            errors.setdefault("working_days", []).append(
                _("%(day)s 既在放假日期中又是调休上班日，请只保留一处。") % {"day": both[0]})
        if errors:
            raise forms.ValidationError(errors)
        data["arrangement"] = calendar.Arrangement(
            tuple(holidays), tuple((d, n) for d, _e, n in working))
        return data


class WhatIfForm(forms.Form):
    """"What if": a start instant and a clock rule (or a unit and an amount) and a region give the due instant —
    the computation of ``manage.py clock_due`` and of a running clock (``apps.core.whatif.due_preview``)."""

    start = forms.CharField(label=gettext_lazy("起算时间"), help_text=gettext_lazy(
        "ISO 8601 格式，例如 2026-04-16T10:00+08:00；不带时区的按北京时间。"))
    rule = forms.ChoiceField(label=gettext_lazy("时限规则"), required=False, help_text=gettext_lazy(
        "选择规则时按其登记的计算单位、期限和顺延规则计算；不选规则时请填写计算单位和期限长度。"))
    unit = forms.ChoiceField(label=gettext_lazy("计算单位"), required=False)
    amount = forms.IntegerField(label=gettext_lazy("期限长度"), required=False, min_value=0, help_text=gettext_lazy(
        "选择规则时可不填（按规则登记的期限）。"))
    region = forms.CharField(label=gettext_lazy("行政区划代码"), required=False, max_length=6, help_text=gettext_lazy(
        "GB/T 2260 代码（全国 000000、广西 450000、柳州 450200）；不填为平台所在地。"))
    roll_over = forms.BooleanField(label=gettext_lazy("届满日遇休息日顺延"), required=False, initial=True,
                                   help_text=gettext_lazy("按日计算的期间适用（民法典第二百零三条）。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", "—")] + [
            (rule.key, f"{rule.label}（{rule.rule_ids or rule.key}）") for rule in registered_rules()]
        self.fields["unit"].choices = [("", "—"), *Deadline.Unit.choices]
        self.preview = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            start = whatif.parse_instant(data.get("start", ""))
            self.preview = whatif.due_preview(
                start=start, rule=data.get("rule") or None, unit=data.get("unit") or None, amount=data.get("amount"),
                region=(data.get("region") or "").strip() or None, roll_over=bool(data.get("roll_over")))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(WorkCalendarYear)
class WorkCalendarYearAdmin(_RecomputeOnSave, admin.ModelAdmin):
    """One row per layer and year; its days are entered in the row's form (not one admin row per day). The list
    and the form link the "what if" preview (``what_if_view``): when would a clock started at a given instant be
    due with the calendars as entered."""

    form = WorkCalendarYearForm
    change_list_template = "admin/core/workcalendaryear/change_list.html"
    change_form_template = "admin/core/workcalendaryear/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.what_if_view)
        return [path("what-if/", view, name="core_workcalendaryear_whatif"), *super().get_urls()]

    def _what_if_context(self, extra_context):
        initial = {"region": calendar.platform_region(), "roll_over": True}
        return {**(extra_context or {}), "what_if_form": WhatIfForm(initial=initial)}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, self._what_if_context(extra_context))

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, self._what_if_context(extra_context))

    def what_if_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = WhatIfForm(request.GET if "start" in request.GET else None,
                          initial={"region": calendar.platform_region(), "roll_over": True})
        preview = form.preview if form.is_bound and form.is_valid() else None
        layers = calendar.layers(preview.region) if preview else []
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "preview": preview,
            "title": _("时限计算预览（假如……何时到期）"), "layers": " > ".join(layers),
            "unit_label": Deadline.Unit(preview.unit).label if preview else "",
            "due_local": preview.due.due_at.astimezone(deadlines.SHANGHAI) if preview else None,
        }
        return TemplateResponse(request, "admin/core/workcalendaryear/what_if.html", context)
    list_display = ["year", "region", "source", "note", "updated_at"]
    list_filter = ["region", "source"]
    ordering = ["-year", "region"]

    def save_model(self, request, obj, form, change):
        calendar.arrangement_save(
            region=form.cleaned_data["region"] if not change else obj.region,
            year=form.cleaned_data["year"] if not change else obj.year,
            arrangement=form.cleaned_data["arrangement"], note=form.cleaned_data.get("note", ""),
        )
        saved = WorkCalendarYear.objects.get(region=obj.region, year=obj.year)
        obj.pk, obj.source, obj.updated_at = saved.pk, saved.source, saved.updated_at
        self._recompute(request)

    def delete_model(self, request, obj):
        calendar.arrangement_delete(region=obj.region, year=obj.year)
        self._recompute(request)

    def delete_queryset(self, request, queryset):
        for obj in list(queryset):
            calendar.arrangement_delete(region=obj.region, year=obj.year)
        self._recompute(request)


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(admin.ModelAdmin):
    """The days as stored, to look at; they are changed through their year's arrangement."""

    list_display = ["date", "region", "is_workday", "name"]
    list_filter = ["region", "is_workday"]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["rule", "content_type", "object_id", "responsible", "due_at", "status", "breached_at"]
    list_filter = ["rule", "status"]
    readonly_fields = [f.name for f in Deadline._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
