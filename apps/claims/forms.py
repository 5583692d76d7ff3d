"""Page forms of the claims app. They only parse input; the services decide (the same ones the API calls)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.widgets import DateInput, DateTimeInput

from .models import AnalyticsThresholds, Claim, FocusedCheck

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(DateTimeInput):
    def __init__(self, **kwargs):
        super().__init__(format=LOCAL_INPUT, **kwargs)


def _instant(label, required=True, **kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=LocalDateTimeInput(),
                               help_text=_("北京时间"), **kwargs)


def _now_local() -> str:
    return timezone.localtime().strftime(LOCAL_INPUT)


class ClaimCreateForm(forms.Form):
    number = forms.CharField(label=_("报案号"), max_length=64)
    policy_number = forms.CharField(label=_("保单号"), max_length=40)
    occurred_at = _instant(_("出险时间"))
    reported_at = _instant(_("报案时间"))
    claim_requested_at = _instant(_("收到索赔请求时间"), required=False)
    location = forms.CharField(label=_("出险地点"), max_length=200, required=False)
    at_station = forms.BooleanField(label=_("在车站/机场等场站出险"), required=False)
    injured_passengers = forms.IntegerField(label=_("受伤乘客人数"), min_value=0, max_value=99, initial=0)
    driver_id_no = forms.CharField(label=_("驾驶员身份证号码"), max_length=18, required=False,
                                   help_text=_("选填；须为平台驾驶员台账中的驾驶员"))
    amount_claimed = forms.DecimalField(label=_("索赔金额（元）"), max_digits=14, decimal_places=2, min_value=0,
                                        required=False)


class AtForm(forms.Form):
    """One fact with its instant (dispatch, documents requested, refusal notice, payment, close)."""

    at = _instant(_("时间"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["at"].initial = _now_local()


class SpecialCircumstancesForm(AtForm):
    reason = forms.CharField(label=_("特殊情况原因"), widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("如台风、道路封闭、交警管制等；记录后查勘调度时限暂停，监管部门可见"))


class DocumentsCompleteForm(AtForm):
    amount_claimed = forms.DecimalField(label=_("索赔金额（元）"), max_digits=14, decimal_places=2, min_value=0)


class DecisionForm(AtForm):
    decision = forms.ChoiceField(label=_("核定结论"), choices=Claim.Decision.choices)
    refusal_reason = forms.CharField(label=_("拒赔理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AgreementForm(AtForm):
    amount_agreed = forms.DecimalField(label=_("协议赔偿金额（元）"), max_digits=14, decimal_places=2, min_value=0)


class WithdrawForm(AtForm):
    """Withdrawal (撤案) of a claim not yet decided or paid: the reason; the page asks to confirm before acting."""

    reason = forms.CharField(label=_("撤案原因"), widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("如索赔人撤回索赔请求、放弃索赔等；撤案后进行中的时限以“因撤案终止”关闭，监管部门可见"))


class ProgressNoticeForm(AtForm):
    note = forms.CharField(label=_("通知内容"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


ACTION_FORMS = {
    "claim_request": (AtForm, _("记录收到索赔请求")),
    "dispatch": (AtForm, _("记录查勘调度")),
    "special": (SpecialCircumstancesForm, _("记录特殊情况")),
    "documents_requested": (AtForm, _("记录已告知所需材料")),
    "documents_complete": (DocumentsCompleteForm, _("记录材料齐全")),
    "decision": (DecisionForm, _("记录核定结论")),
    "refusal_notice": (AtForm, _("记录拒赔通知书发出")),
    "agreement": (AgreementForm, _("记录赔偿协议")),
    "payment": (AtForm, _("记录赔款支付")),
    "progress": (ProgressNoticeForm, _("记录进度通知")),
    "close": (AtForm, _("结案")),
    "withdraw": (WithdrawForm, _("撤案")),
}


def action_facts(action: str, data: dict) -> dict:
    """The facts a submitted action form adds to a claim (as ``claim_advance`` takes them)."""
    at = data.get("at")
    return {
        "claim_request": lambda: {"claim_requested_at": at},
        "dispatch": lambda: {"survey_dispatched_at": at},
        "special": lambda: {"special_circumstances_reason": data["reason"], "special_circumstances_at": at},
        "documents_requested": lambda: {"documents_requested_at": at},
        "documents_complete": lambda: {"documents_complete_at": at, "amount_claimed": data["amount_claimed"]},
        "decision": lambda: {"decision": data["decision"], "decided_at": at,
                             "refusal_reason": data.get("refusal_reason") or ""},
        "refusal_notice": lambda: {"refusal_notice_sent_at": at},
        "agreement": lambda: {"amount_agreed": data["amount_agreed"], "agreed_at": at},
        "payment": lambda: {"paid_at": at},
        "progress": lambda: {"progress_notices": [{"sent_at": at, "note": data.get("note") or ""}]},
        "close": lambda: {"closed_at": at},
    }[action]()


def available_actions(claim: Claim) -> list[str]:
    """The next steps a claim can take in its state, in lifecycle order (the page shows only these; the services
    decide which they are: ``services.claim_actions``)."""
    from .services import claim_actions

    return claim_actions(claim)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), widget=DateInput())
    end = forms.DateField(label=_("截止日期"), widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        if data.get("start") and data.get("end") and (data["end"] - data["start"]) > dt.timedelta(days=3 * 366):
            raise forms.ValidationError(_("统计期不能超过三年。"))
        return data


def default_period() -> tuple[dt.date, dt.date]:
    """From the first day of the previous month to today (Asia/Shanghai)."""
    today = timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1), today


class ThresholdsForm(forms.ModelForm):
    class Meta:
        model = AnalyticsThresholds
        fields = ["window_days", "vehicle_min_claims", "vehicle_min_loss", "driver_min_claims", "driver_min_loss",
                  "recheck_days", "note"]


class CheckResultForm(forms.Form):
    result = forms.ChoiceField(label=_("核查结果"), choices=[
        (FocusedCheck.Result.NO_VIOLATION, FocusedCheck.Result.NO_VIOLATION.label),
        (FocusedCheck.Result.VIOLATION, FocusedCheck.Result.VIOLATION.label),
    ])
    note = forms.CharField(label=_("核查情况"), widget=forms.Textarea(attrs={"rows": 3}))
