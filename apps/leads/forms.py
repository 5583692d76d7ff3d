"""Forms of the leads pages: they only shape input; every rule is in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.widgets import DateInput, DateTimeInput

from .models import Direction, Finding, InsurerWorklistItem, LeadAttachment, Outcome, Source, Status


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class LeadFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部")), ("open", _("未办结")), *Status.choices])
    source = forms.ChoiceField(label=_("来源"), required=False, choices=[("", _("全部")), *Source.choices])
    finding = forms.ChoiceField(label=_("核验结论"), required=False, choices=[("", _("全部")), *Finding.choices])
    direction = forms.ChoiceField(label=_("方向"), required=False, choices=[("", _("全部")), *Direction.choices])
    q = forms.CharField(label=_("号牌/VIN/编号"), required=False, max_length=40)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class FlagForm(forms.Form):
    plate = forms.CharField(label=_("号牌号码"), max_length=12, help_text=_("如：桂B12345"))
    evidence = forms.CharField(label=_("线索依据"), widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("发现经过、时间、地点、载客情况等"))
    attachments = MultipleFileField(label=_("证据附件"))
    push = forms.BooleanField(label=_("立即推送至金融监管部门核验投保信息"), required=False, initial=True)


class ReportForm(forms.Form):
    plate = forms.CharField(label=_("号牌号码"), max_length=12)
    evidence = forms.CharField(label=_("上报理由"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label=_("附件"))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("疑似非法营运车辆清单（CSV 或 XLSX）"),
                           help_text=_("首行为表头，须含“号牌号码”列，可含“线索依据”列。"))
    push = forms.BooleanField(label=_("立即作为一个批次推送至金融监管部门"), required=False, initial=True)


class BulkForm(forms.Form):
    ACTIONS = [
        ("push", _("推送所选")),
        ("request_check", _("请求交通运输部门线下核查（金融监管部门）")),
        ("check_start", _("开始线下核查（交通运输部门）")),
        ("dismiss", _("排除所选（交通运输部门）")),
        ("dispose", _("办结所选（交通运输部门）")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)
    reason = forms.CharField(label=_("理由或请求核查事项"), required=False, max_length=1000)
    next = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else self.data.get("ids", [])
        self.fields["ids"].choices = [(v, v) for v in raw]


class VerifyForm(forms.Form):
    """Rule M2: the regulator's insurance verification (re-run now, with its note)."""

    note = forms.CharField(label=_("核验说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("如：已向承保公司核实保单及承保使用性质"))


class CheckRequestForm(forms.Form):
    """Rules M2, M4: the regulator asks transport to check the vehicle offline."""

    note = forms.CharField(label=_("请求核查事项"), widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("请交通运输部门线下核查并界定是否属于非法营运"))


class CheckForm(forms.Form):
    """Transport's finding (rule M2: only transport defines illegal operation)."""

    outcome = forms.ChoiceField(label=_("界定结论"), choices=Outcome.choices, widget=forms.RadioSelect)
    result = forms.CharField(label=_("核查情况"), widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("核查人员、方式、发现的事实"))
    checked_at = forms.DateTimeField(label=_("核查时间"), required=False,
                                     widget=DateTimeInput(),
                                     help_text=_("留空为现在（北京时间）"))
    reason = forms.CharField(label=_("排除理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    penalty = forms.ModelChoiceField(label=_("处罚决定（如有）"), required=False, queryset=None)
    attachments = MultipleFileField(label=_("核查材料"))

    def __init__(self, *args, penalties=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["penalty"].queryset = penalties


class DisposeForm(forms.Form):
    penalty = forms.ModelChoiceField(label=_("处罚决定（如有）"), required=False, queryset=None)
    credit_record = forms.BooleanField(label=_("提议将车辆记入信用档案（由保险行业协会决定）"), required=False, initial=True)
    note = forms.CharField(label=_("处置说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, penalties=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["penalty"].queryset = penalties


class AttachForm(forms.Form):
    stage = forms.ChoiceField(label=_("类别"), choices=LeadAttachment.Stage.choices)
    files = MultipleFileField(label=_("文件"), required=True)


class PenaltyForm(forms.Form):
    decision_no = forms.CharField(label=_("处罚决定书文号"), max_length=60, help_text=_("如：柳交执罚〔2026〕123号"))
    decided_on = forms.DateField(label=_("决定日期"), widget=DateInput())
    plate = forms.CharField(label=_("被处罚车辆号牌"), max_length=12, required=False)
    company = forms.ModelChoiceField(label=_("被处罚企业（如处罚对象为企业）"), required=False, queryset=None)
    facts = forms.CharField(label=_("违法事实"), widget=forms.Textarea(attrs={"rows": 4}))
    amount = forms.DecimalField(label=_("罚款金额（元）"), required=False, max_digits=14, decimal_places=2, min_value=0)

    def __init__(self, *args, companies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("答复"), choices=InsurerWorklistItem.Answer.choices)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WorklistFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False,
                              choices=[("", _("全部")), *InsurerWorklistItem.State.choices])
    kind = forms.ChoiceField(label=_("类型"), required=False,
                             choices=[("", _("全部")), *InsurerWorklistItem.Kind.choices])
    q = forms.CharField(label=_("号牌/保单号"), required=False, max_length=40)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class WeightsForm(forms.Form):
    threshold = forms.DecimalField(label=_("推送阈值"), max_digits=8, decimal_places=2, min_value=0)
    note = forms.CharField(label=_("修改说明"), required=False, max_length=500)

    def __init__(self, *args, features=(), weights=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.feature_keys = []
        self.current = dict(weights or {})
        for feature in features:
            name = f"w_{feature.key}"
            self.fields[name] = forms.DecimalField(
                label=feature.label, max_digits=8, decimal_places=2, initial=self.current.get(feature.key),
                required=False, help_text=_("默认权重 %(w)s；留空保持当前权重") % {"w": feature.default_weight},
            )
            self.feature_keys.append(feature.key)

    def weights(self) -> dict:
        """Every feature's weight: the one entered, else the one in use now."""
        out = {}
        for key in self.feature_keys:
            value = self.cleaned_data.get(f"w_{key}")
            out[key] = value if value is not None else self.current.get(key)
        return {k: v for k, v in out.items() if v is not None}


class ScreeningReviewForm(forms.Form):
    """Rule M6: the regulator confirms or excludes (with a reason) screening findings before any is sent."""

    DECISIONS = [("confirmed", _("确认（可下发保险公司）")), ("excluded", _("排除（不下发）"))]
    decision = forms.ChoiceField(label=_("审核结论"), choices=DECISIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)
    reason = forms.CharField(label=_("排除理由"), required=False, max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else self.data.get("ids", [])
        self.fields["ids"].choices = [(v, v) for v in raw]


class ConfirmForm(forms.Form):
    """The confirmation of a preview: the digest of what the sender saw."""

    digest = forms.CharField(max_length=64)
