"""Forms of the case page; each maps to one service (validation of business rules stays in the services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Decision
from .notices import DEFAULT_MATTER

LOCAL = {"type": "datetime-local", "step": 60}


class _When(forms.DateTimeField):
    """An optional local (Asia/Shanghai) date and time; empty means "now"."""

    def __init__(self, label, **kwargs):
        super().__init__(label=label, required=False, widget=forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M"),
                         input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
                         help_text=_("北京时间；留空为当前时间。"), **kwargs)


class NoticeSendForm(forms.Form):
    sent_at = _When(_("发出时间"))
    contact_name = forms.CharField(label=_("通知书联系人"), max_length=60)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30)
    matter = forms.CharField(label=_("未如实告知的事项"), max_length=200, initial=DEFAULT_MATTER)
    applied_on = forms.DateField(label=_("投保日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("通知书上“您于…投保”的日期；默认为保险起期。"))


class NoticeReceiveForm(forms.Form):
    received_at = _When(_("投保人收到通知的时间"))


class DisclosureForm(forms.Form):
    disclosed_at = _When(_("投保人如实告知的时间"))
    note = forms.CharField(label=_("告知内容摘要"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("决定"), choices=Decision.choices, widget=forms.HiddenInput)
    decided_at = _When(_("决定时间"))
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CorrectionForm(forms.Form):
    event = forms.IntegerField(label=_("更正的事项"), widget=forms.Select)
    at = forms.DateTimeField(label=_("更正后的时间"), widget=forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M"),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    reason = forms.CharField(label=_("更正原因"), widget=forms.Textarea(attrs={"rows": 2}))


class OpenForm(forms.Form):
    policy_number = forms.CharField(label=_("保单号"), max_length=40)
    known_at = forms.DateTimeField(label=_("知道解除事由的时间"), widget=forms.DateTimeInput(attrs=LOCAL),
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                   help_text=_("北京时间。30 日期限自此起算，不能晚于当前时间。"))
    trigger_ref = forms.CharField(label=_("内部编号"), max_length=120, required=False)


class ComplianceFilterForm(forms.Form):
    date_from = forms.DateField(label=_("知道解除事由自"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
