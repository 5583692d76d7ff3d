"""Forms of the policy pages: list filters, the policy form, the coverage standard, the premium calculator."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.widgets import DateInput, DateTimeInput
from apps.parties.models import Organization, OrganizationKind
from apps.vehicles.forms import BLANK, usage_choices
from apps.vehicles.usage import UsageNature

from . import premiums
from .models import CancellationGround, CoverageKind, Policy, PolicyKind, PremiumMode
from .underwriting import RULES

DATE = {"widget": DateInput()}


class PolicyFilterForm(forms.Form):
    q = forms.CharField(label=_("保单号、号牌或 VIN"), required=False, max_length=40)
    insurer = forms.ModelChoiceField(label=_("保险公司"), queryset=Organization.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("险种"), required=False, choices=[*BLANK, *PolicyKind.choices])
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[*BLANK, *Policy.Status.choices])
    usage = forms.ChoiceField(label=_("承保使用性质"), required=False)
    in_force = forms.ChoiceField(label=_("当前是否有效"), required=False,
                                 choices=[*BLANK, ("1", _("保险期间内")), ("0", _("不在保险期间内"))])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["insurer"].queryset = Organization.objects.filter(kind=OrganizationKind.INSURER).order_by("name")
        self.fields["usage"].choices = usage_choices()
        if user is not None and user.kind == OrganizationKind.INSURER:
            del self.fields["insurer"]  # an insurer sees its own book only


class UnderwritingFilterForm(forms.Form):
    rule = forms.ChoiceField(label=_("规则"), required=False)
    insurer = forms.ModelChoiceField(label=_("保险公司"), queryset=Organization.objects.none(), required=False)
    scope = forms.ChoiceField(label=_("范围"), required=False, initial="in_force",
                              choices=[("in_force", _("当前有效的保单")), ("all", _("全部保单"))])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [*BLANK, *((code, f"{rule} {label}") for code, (rule, label) in RULES.items())]
        self.fields["insurer"].queryset = Organization.objects.filter(kind=OrganizationKind.INSURER).order_by("name")
        if user is not None and user.kind == OrganizationKind.INSURER:
            del self.fields["insurer"]


class PolicyForm(forms.Form):
    number = forms.CharField(label=_("保单号"), max_length=40)
    kind = forms.ChoiceField(label=_("险种"), choices=PolicyKind.choices)
    vin = forms.CharField(label=_("车辆识别代号（VIN）"), max_length=17)
    plate = forms.CharField(label=_("号牌号码"), max_length=8, required=False)
    seats = forms.IntegerField(label=_("核定载客人数"), min_value=1, max_value=99, required=False,
                               help_text=_("车辆尚未登记时必填"))
    usage_nature_insured = forms.ChoiceField(label=_("承保使用性质"), choices=UsageNature.choices,
                                             help_text=_("承保前须核实使用性质与行驶证、运输证一致（规则 M11）"))
    policyholder_name = forms.CharField(label=_("投保人"), max_length=120, required=False)
    starts_on = forms.DateField(label=_("保险起期（当日 0 时）"), **DATE)
    ends_on = forms.DateField(label=_("保险止期（当日 24 时）"), **DATE)
    premium = forms.DecimalField(label=_("保费（元）"), max_digits=14, decimal_places=2, min_value=Decimal("0"))
    limit = forms.DecimalField(label=_("责任限额/保险金额（元）"), max_digits=14, decimal_places=2, required=False,
                               min_value=Decimal("0"))
    per_seat_limit = forms.DecimalField(label=_("每座限额（元）"), max_digits=14, decimal_places=2, required=False,
                                        min_value=Decimal("0"))
    cover_seats = forms.IntegerField(label=_("投保座位数"), min_value=1, max_value=99, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["number"].disabled = True
            self.fields["vin"].disabled = True
            self.fields["plate"].disabled = True
            del self.fields["seats"]
            self.fields["policyholder_name"].help_text = _("出于个人信息保护，原值不在此显示；留空表示不修改。")
            # rules J5–J10, C5: the period and the usage nature change only through the policy's lifecycle
            for name, help_text in (
                ("usage_nature_insured", _("使用性质的变更请办理批改（规则 J8、J9）。")),
                ("starts_on", _("保险期间不能修改（规则 J8）；停驶顺延请办理“停驶顺延”（规则 J10）。")),
                ("ends_on", _("保险期间不能修改（规则 J8）；停驶顺延请办理“停驶顺延”（规则 J10）。")),
            ):
                self.fields[name].disabled = True
                self.fields[name].help_text = help_text

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("保险止期不能早于保险起期。"))
        return data


class EndorsementForm(forms.Form):
    """An endorsement (批改) of the policy's usage nature (rules J8, J9)."""

    usage_nature = forms.ChoiceField(label=_("批改后使用性质"), choices=UsageNature.choices)
    effective_on = forms.DateField(label=_("批改生效日期"), **DATE)
    premium_mode = forms.ChoiceField(label=_("保费调整方式"), choices=PremiumMode.choices, widget=forms.RadioSelect)
    new_premium = forms.DecimalField(
        label=_("新使用性质的保险期间全额保费（元）"), max_digits=14, decimal_places=2, min_value=Decimal("0"),
        help_text=_("按日费率：保费增减 = 剩余天数 ÷ 保险期间天数 × （新保费 − 原保费）；按保单年度：按新保费重新核定。"
                    "金额按四舍五入保留到分。"))
    reason = forms.CharField(label=_("批改原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CancellationForm(forms.Form):
    """Cancellation (退保) on an enumerated ground with its evidence (rules J6, J7, C5)."""

    ground = forms.ChoiceField(label=_("退保情形"))
    at = forms.DateTimeField(label=_("退保时间"), widget=DateTimeInput())
    evidence = forms.CharField(label=_("证明材料"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    evidence_ref = forms.CharField(label=_("证明文件编号或存放位置（可选）"), max_length=300, required=False)
    refund = forms.DecimalField(label=_("退还保费（元，可选）"), max_digits=14, decimal_places=2, required=False,
                                min_value=Decimal("0"), help_text=_("重复投保（规则 J7）时全额退还，无需填写。"))
    laid_up_from = forms.DateField(label=_("批准停运起始日期（承运人责任险停运退保）"), required=False, **DATE)
    laid_up_to = forms.DateField(label=_("批准停运截止日期"), required=False, **DATE)

    def __init__(self, *args, grounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = [(g, CancellationGround(g).label) for g in grounds]
        if CancellationGround.LAID_UP_3_MONTHS not in grounds:
            del self.fields["laid_up_from"]
            del self.fields["laid_up_to"]


class ExtensionForm(forms.Form):
    """Rule J10: the laid-up extension of a compulsory policy (once, 1–4 months)."""

    months = forms.TypedChoiceField(label=_("顺延月数"), coerce=int, choices=[(n, n) for n in range(1, 5)])
    evidence = forms.CharField(label=_("停驶证明材料"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


STANDARD_KINDS = (CoverageKind.COMPULSORY, CoverageKind.THIRD_PARTY, CoverageKind.CARRIER_LIABILITY,
                  CoverageKind.SEAT, CoverageKind.OWN_DAMAGE)


class StandardForm(forms.Form):
    """A new version of the coverage standard (rule M10): one optional line per coverage kind."""

    name = forms.CharField(label=_("版本名称"), max_length=120)
    effective_from = forms.DateField(label=_("生效日期"), **DATE)
    effective_to = forms.DateField(label=_("失效日期（可留空）"), required=False, **DATE)
    basis = forms.CharField(label=_("依据与说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        existing = {r.policy_kind: r for r in current.requirements.all()} if current else {}
        for kind in STANDARD_KINDS:
            line = existing.get(kind)
            label = CoverageKind(kind).label
            self.fields[f"req_{kind}"] = forms.BooleanField(label=label, required=False, initial=line is not None)
            self.fields[f"min_{kind}"] = forms.DecimalField(
                label=_("最低责任限额（元）"), required=False, max_digits=14, decimal_places=2, min_value=0,
                initial=line.min_limit if line else None)
            self.fields[f"seat_{kind}"] = forms.DecimalField(
                label=_("每座最低限额（元）"), required=False, max_digits=14, decimal_places=2, min_value=0,
                initial=line.min_per_seat_limit if line else None)
            # The table's column headers are the visible labels; screen readers get the kind and the column.
            for name in (f"min_{kind}", f"seat_{kind}"):
                field = self.fields[name]
                field.widget.attrs["aria-label"] = f"{label} {field.label}"

    def lines(self):
        for kind in STANDARD_KINDS:
            yield {"kind": kind, "label": CoverageKind(kind).label, "required": self[f"req_{kind}"],
                   "min": self[f"min_{kind}"], "seat": self[f"seat_{kind}"]}

    def requirements(self) -> list[dict]:
        data = self.cleaned_data
        return [{"policy_kind": kind, "min_limit": data.get(f"min_{kind}") or Decimal("0"),
                 "min_per_seat_limit": data.get(f"seat_{kind}")}
                for kind in STANDARD_KINDS if data.get(f"req_{kind}")]


# --- premium calculator ------------------------------------------------------------------------------------------


class CompulsoryCalcForm(forms.Form):
    prefix = "c"
    usage_class = forms.ChoiceField(label=_("车辆类别（费率方案）"), required=False,
                                    choices=[*BLANK, *premiums.COMPULSORY_USAGE_CLASSES.items()])
    seats = forms.IntegerField(label=_("核定载客人数"), min_value=1, max_value=10, required=False)
    base_premium = forms.DecimalField(label=_("基础保险费（元）"), required=False, max_digits=14, decimal_places=2,
                                      help_text=_("留空时按车辆类别和座位数取费率方案中的基础保险费"))
    days = forms.IntegerField(label=_("投保天数（短期险，留空为一年）"), min_value=1, max_value=365, required=False)
    history = forms.ChoiceField(label=_("上年度出险情况（费率浮动）"), choices=[
        ("A1", _("上一个年度未发生有责任道路交通事故")), ("A2", _("上两个年度未发生有责任道路交通事故")),
        ("A3", _("上三个及以上年度未发生有责任道路交通事故")), ("A4", _("上一个年度发生一次有责任不涉及死亡的事故")),
        ("A5", _("上一个年度发生两次及以上有责任事故")), ("A6", _("上一个年度发生有责任道路交通死亡事故")),
        ("A0", _("首次投保")), ("none", _("临时上道路行驶或境外车辆临时入境（不浮动）"))], initial="A1")

    def clean(self):
        data = super().clean()
        if data.get("base_premium") is None and not (data.get("usage_class") and data.get("seats")):
            raise forms.ValidationError(_("请填写基础保险费，或选择车辆类别并填写座位数。"))
        return data


class CarrierCalcForm(forms.Form):
    prefix = "l"
    per_seat_limit = forms.DecimalField(label=_("每座责任限额（元）"), max_digits=14, decimal_places=2, initial=400000)
    base_rate_percent = forms.DecimalField(label=_("基准费率（%）"), max_digits=8, decimal_places=5, initial=Decimal(
        "0.06"))
    seats = forms.IntegerField(label=_("核定座位数（含驾驶员）"), min_value=2, max_value=99, initial=5)
    crew = forms.IntegerField(label=_("司乘人员人数"), min_value=1, max_value=10, initial=1)
    factors = forms.CharField(label=_("风险调整因子（多个用空格或逗号分隔）"), required=False, max_length=200,
                              initial="1.0")
    crew_rider = forms.BooleanField(label=_("附加司乘人员责任险"), required=False)
    mental_damage_rider = forms.BooleanField(label=_("附加精神损害赔偿责任险"), required=False)

    def clean_factors(self):
        text = self.cleaned_data.get("factors") or ""
        return [part for part in text.replace("，", ",").replace(",", " ").split() if part]


class CommercialCalcForm(forms.Form):
    prefix = "m"
    base_premium = forms.DecimalField(label=_("基准保费（元）"), max_digits=14, decimal_places=2)
    own_pricing = forms.DecimalField(label=_("自主定价系数"), max_digits=6, decimal_places=4, initial=Decimal("1"))
    no_claim_discount = forms.DecimalField(label=_("无赔款优待系数"), max_digits=6, decimal_places=4,
                                           initial=Decimal("1"))
    violation = forms.DecimalField(label=_("交通违法系数"), max_digits=6, decimal_places=4, initial=Decimal("1"))
