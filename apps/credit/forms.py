from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.validators import normalize_link
from apps.core.widgets import DateInput
from apps.parties.models import Organization, OrganizationKind

from .models import ActionGround, ActionKind, CreditEvent, Severity, SubjectKind

DATE = DateInput()


class CreditRecordForm(forms.Form):
    subject_kind = forms.ChoiceField(label=_("对象类型"), choices=SubjectKind.choices)
    organization = forms.ModelChoiceField(
        label=_("单位（企业或保险公司）"), required=False,
        queryset=Organization.objects.filter(kind__in=[OrganizationKind.TAXI_COMPANY, OrganizationKind.INSURER],
                                             is_active=True).order_by("kind", "name"))
    plate = forms.CharField(label=_("车辆号牌"), required=False, max_length=12)
    driver_id_no = forms.CharField(label=_("驾驶员身份证号码"), required=False, max_length=18)
    event = forms.ChoiceField(label=_("事项"), choices=CreditEvent.choices)
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    occurred_on = forms.DateField(label=_("发生日期"), widget=DATE)
    expires_on = forms.DateField(label=_("失效日期"), required=False, widget=DATE,
                                 help_text=_("不填则按严重程度的默认有效期计算"))
    evidence_link = forms.CharField(label=_("证据链接"), required=False, max_length=500, validators=[normalize_link],
                                    help_text=_("http:// 或 https:// 开头的地址"))
    detail = forms.CharField(label=_("说明（事实经过）"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class CorrectionForm(forms.Form):
    reason = forms.CharField(label=_("更正原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    withdraw = forms.BooleanField(label=_("撤销原记录（不再计分）"), required=False)
    event = forms.ChoiceField(label=_("事项"), choices=CreditEvent.choices, required=False)
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    occurred_on = forms.DateField(label=_("发生日期"), widget=DATE)
    expires_on = forms.DateField(label=_("失效日期"), required=False, widget=DATE)
    detail = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                             max_length=4000)


class _TargetSelect(forms.Select):
    """The target's options carry their organisation kind (``data-kind``), which filters the grounds."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-kind"] = instance.kind
        return option


class _GroundSelect(forms.Select):
    """Each ground's option lists the target kinds it applies to (``data-kinds``); ``static/js/behaviours.js``
    shows only those of the chosen target's kind."""

    kinds_by_ground: dict[str, set[str]] = {}

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["data-kinds"] = " ".join(sorted(self.kinds_by_ground.get(str(value), ())))
        return option


class SupervisoryActionForm(forms.Form):
    # no measure is preselected: the most severe one (暂停网约车保险业务) must never be the default
    kind = forms.ChoiceField(label=_("措施类型"), choices=ActionKind.choices)
    target = forms.ModelChoiceField(label=_("对象单位"), queryset=Organization.objects.none(), widget=_TargetSelect)
    ground = forms.ChoiceField(label=_("事由"), choices=ActionGround.choices,
                               widget=_GroundSelect(attrs={"data-filter-by": "target"}),
                               help_text=_("只列出适用于所选对象单位类别的事由。"))
    reference_no = forms.CharField(label=_("文号"), required=False, max_length=60)
    facts = forms.CharField(label=_("事实与依据"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    requirement = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  max_length=4000)
    plate = forms.CharField(label=_("涉及车辆号牌（可选）"), required=False, max_length=12)
    starts_on = forms.DateField(label=_("起始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("截止日期（暂停业务期限，可不填）"), required=False, widget=DATE)

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        kinds = sorted({k for k, _t, _g in options})
        targets = sorted({t for _k, t, _g in options})
        grounds = set().union(*[g for _k, _t, g in options]) if options else set()
        self.fields["kind"].choices = [("", _("— 请选择措施类型 —")), *[(k, ActionKind(k).label) for k in kinds]]
        self.fields["target"].queryset = Organization.objects.filter(kind__in=targets, is_active=True).order_by(
            "kind", "name")
        kinds_by_ground: dict[str, set[str]] = {}
        for _k, target_kind, target_grounds in options:
            for g in target_grounds:
                kinds_by_ground.setdefault(g, set()).add(target_kind)
        target_kind = self._target_kind()
        if target_kind is not None:  # the target is known: only the grounds for its kind
            grounds = {g for g, ks in kinds_by_ground.items() if target_kind in ks}
        self.fields["ground"].widget.kinds_by_ground = kinds_by_ground
        self.fields["ground"].choices = [("", _("— 请选择事由 —")),
                                         *[(g, label) for g, label in ActionGround.choices if g in grounds]]

    def _target_kind(self) -> str | None:
        """The kind of the target already chosen (the submitted one, or the page's ``?target=``), if any."""
        raw = self.data.get(self.add_prefix("target")) if self.is_bound else self.initial.get("target")
        if not raw:
            return None
        try:
            target = self.fields["target"].queryset.filter(pk=int(getattr(raw, "pk", raw))).first()
        except (TypeError, ValueError):
            return None
        return target.kind if target is not None else None


class CloseActionForm(forms.Form):
    result = forms.CharField(label=_("结案情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class ProposalDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("决定"), widget=forms.RadioSelect, choices=[
        ("accept", _("采纳：记入信用档案")), ("reject", _("不采纳"))])
    reason = forms.CharField(label=_("决定理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class UrgingNoteForm(forms.Form):
    note = forms.CharField(label=_("督促情况（督促方式、对象、要求）"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000)


class UrgingCloseForm(forms.Form):
    result = forms.CharField(label=_("办结情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    propose_credit = forms.BooleanField(label=_("同时提议将该保险公司记入信用档案（须另行决定）"), required=False)
