"""Forms of the inspection and training pages. They only carry the input: every check (with a Chinese message
naming the field) is the service's, so a page and the API refuse the same input the same way."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.widgets import DateInput
from apps.parties.models import Organization

from .models import INSPECTED_KINDS, PLANNING_KINDS, Conclusion, InspectionFinding


def _orgs(kinds):
    return Organization.objects.filter(kind__in=kinds, is_active=True).order_by("kind", "name")


def _date_input():
    return DateInput()


class InspectionForm(forms.Form):
    scope = forms.CharField(label=_("检查范围和内容"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("例如：网约车承保时使用性质核验、营运车辆投保台账、理赔时效"))
    planned_start = forms.CharField(label=_("计划开始日期"), required=False, widget=_date_input())
    planned_end = forms.CharField(label=_("计划结束日期"), required=False, widget=_date_input())
    participants = forms.ModelMultipleChoiceField(label=_("参加单位（本单位自动参加）"), required=False,
                                                  queryset=Organization.objects.none(),
                                                  widget=forms.CheckboxSelectMultiple)
    inspected_parties = forms.ModelMultipleChoiceField(label=_("被检查单位"), required=False,
                                                       queryset=Organization.objects.none(),
                                                       widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        planners = _orgs(PLANNING_KINDS)
        if organization is not None:
            planners = planners.exclude(pk=organization.pk)
        self.fields["participants"].queryset = planners
        self.fields["inspected_parties"].queryset = _orgs(INSPECTED_KINDS)


class FindingForm(forms.Form):
    party = forms.ModelChoiceField(label=_("被检查单位"), required=False, queryset=Organization.objects.none())
    inspected_on = forms.CharField(label=_("检查日期"), required=False, widget=_date_input())
    conclusion = forms.ChoiceField(label=_("检查结论"), required=False,
                                   choices=[("", _("— 请选择 —")), *Conclusion.choices])
    problems = forms.CharField(label=_("发现的问题"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, inspection=None, **kwargs):
        super().__init__(*args, **kwargs)
        if inspection is not None:
            done = InspectionFinding.objects.filter(inspection=inspection).values("party_id")
            self.fields["party"].queryset = inspection.inspected_parties.exclude(pk__in=done).order_by("name")


class NoticeForm(forms.Form):
    problems = forms.CharField(label=_("通报的问题"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    requirement = forms.CharField(label=_("整改要求"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReportForm(forms.Form):
    report = forms.CharField(label=_("整改情况报告"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class CloseForm(forms.Form):
    result = forms.ChoiceField(label=_("整改结果"), required=False, choices=[])
    note = forms.CharField(label=_("结束说明（核查整改的情况和理由）"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, results=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].choices = [("", _("— 请选择 —")), *results]

    def clean_result(self):  # the service decides which results are open (a stale page must not be a 500)
        return self.data.get("result", "")


class TrainingForm(forms.Form):
    held_on = forms.CharField(label=_("培训日期"), required=False, widget=_date_input())
    topic = forms.CharField(label=_("培训主题"), required=False, max_length=400)
    trainer = forms.CharField(label=_("授课人"), required=False, max_length=200)
    location = forms.CharField(label=_("培训地点（可选）"), required=False, max_length=400)
    companies = forms.ModelMultipleChoiceField(label=_("参训企业"), required=False,
                                               queryset=Organization.objects.none(),
                                               widget=forms.CheckboxSelectMultiple)
    drivers_count = forms.CharField(label=_("参训驾驶员人数"), required=False,
                                    widget=forms.NumberInput(attrs={"min": 0}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["companies"].queryset = _orgs(["taxi_company"])
