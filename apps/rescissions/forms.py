"""Forms of the case page; each maps to one service (validation of business rules stays in the services)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.widgets import DateInput, DateTimeInput
from apps.vehicles.usage import OPERATING_NATURES, UsageNature

from .models import Decision, Fault, Path
from .notices import DEFAULT_MATTER

PHONE = re.compile(r"^[0-9+()\- ]{5,30}$")  # as the notice service accepts it


class _When(forms.DateTimeField):
    """An optional local (Asia/Shanghai) date and time; empty means "now"."""

    def __init__(self, label, **kwargs):
        super().__init__(label=label, required=False, widget=DateTimeInput(),
                         input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
                         help_text=_("北京时间；留空为当前时间。"), **kwargs)


class NoticeSendForm(forms.Form):
    sent_at = _When(_("发出时间"))
    contact_name = forms.CharField(label=_("通知书联系人"), max_length=60)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30,
                                    error_messages={"required": _("请填写联系电话。")})
    matter = forms.CharField(label=_("未如实告知的事项"), max_length=200, initial=DEFAULT_MATTER)
    applied_on = forms.DateField(label=_("投保日期"), required=False, widget=DateInput(),
                                 help_text=_("通知书上“您于…投保”的日期；默认为保险起期。"))

    def clean_contact_phone(self):
        """A filled but malformed number is said to be malformed (not "please fill in")."""
        phone = self.cleaned_data["contact_phone"].strip()
        if not PHONE.match(phone):
            raise forms.ValidationError(
                _("联系电话格式不正确：只能包含数字、空格和 + - ( )，5 至 30 位，如 0772-2881234 或 13907721234。"),
                code="phone_format")
        return phone


class NoticeReceiveForm(forms.Form):
    received_at = _When(_("投保人收到通知的时间"))


class DisclosureForm(forms.Form):
    disclosed_at = _When(_("投保人如实告知的时间"))
    note = forms.CharField(label=_("告知内容摘要"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("决定"), choices=Decision.choices, widget=forms.HiddenInput)
    decided_at = _When(_("决定时间"))
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PathForm(forms.Form):
    """The insurer's finding of when the vehicle began operating, and so the case's path (rules J5, J9, J13)."""

    path = forms.ChoiceField(label=_("处理路径"), choices=Path.choices, widget=forms.RadioSelect)
    operating_since = forms.DateField(label=_("车辆开始营运日期"), required=False,
                                      widget=DateInput(),
                                      help_text=_("查明的车辆开始从事营运的日期：早于或等于保险起期为投保时未如实告知，晚于保险起期为承保后危险程度增加。"))
    fault = forms.ChoiceField(label=_("投保人过错（投保时未如实告知）"), required=False,
                              choices=[("", "—"), *Fault.choices])
    meant_at_inception = forms.BooleanField(label=_("投保时已有营运意图（开始营运晚于保险起期时）"), required=False)
    basis = forms.CharField(label=_("认定依据（投保时未如实告知）"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("选择该路径的理由"), widget=forms.Textarea(attrs={"rows": 2}))


class EndorseForm(forms.Form):
    policy = forms.IntegerField(label=_("保单"), widget=forms.Select)
    usage_nature = forms.ChoiceField(label=_("批改后的使用性质"),
                                     choices=[(v, label) for v, label in UsageNature.choices if v in OPERATING_NATURES],
                                     initial=UsageNature.RIDE_HAILING)
    effective_on = forms.DateField(label=_("批改生效日期"), widget=DateInput())
    new_premium = forms.DecimalField(label=_("按新使用性质核定的保险期间保费（元）"), max_digits=14, decimal_places=2,
                                     min_value=0)
    reason = forms.CharField(label=_("批改原因"), widget=forms.Textarea(attrs={"rows": 2}))


class PolicyAddForm(forms.Form):
    policy_number = forms.CharField(label=_("同一投保人的其他保单号"), max_length=40)


class CorrectionForm(forms.Form):
    event = forms.IntegerField(label=_("更正的事项"), widget=forms.Select)
    at = forms.DateTimeField(label=_("更正后的时间"), widget=DateTimeInput(),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    reason = forms.CharField(label=_("更正原因"), widget=forms.Textarea(attrs={"rows": 2}))


class OpenForm(forms.Form):
    policy_number = forms.CharField(label=_("保单号"), max_length=40)
    known_at = forms.DateTimeField(label=_("知道解除事由的时间"), widget=DateTimeInput(),
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                   help_text=_("北京时间。30 日期限自此起算，不能晚于当前时间。"))
    trigger_ref = forms.CharField(label=_("内部编号"), max_length=120, required=False)


class ComplianceFilterForm(forms.Form):
    date_from = forms.DateField(label=_("知道解除事由自"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("至"), required=False, widget=DateInput())
