from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.widgets import DateTimeInput
from apps.parties.models import Organization, OrganizationKind

from . import conf
from .models import Category, Finding, Hotline


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files under one name; the service checks type, size and count (rule M16 abuse protection)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


def _orgs(kind):
    return Organization.objects.filter(kind=kind, is_active=True).order_by("name")


class ReportForm(forms.Form):
    hotline = forms.ChoiceField(label=_("举报热线"), choices=Hotline.choices, widget=forms.RadioSelect)
    category = forms.ChoiceField(label=_("反映的情况"), choices=Category.choices)
    plate = forms.CharField(label=_("车辆号牌"), required=False, max_length=12,
                            widget=forms.TextInput(attrs={"placeholder": "桂B12345", "autocomplete": "off"}))
    company = forms.ModelChoiceField(label=_("出租汽车企业/网约车平台（如涉及）"), required=False,
                                     queryset=Organization.objects.none(), empty_label=_("— 不涉及 —"))
    insurer = forms.ModelChoiceField(label=_("保险公司（如涉及）"), required=False,
                                     queryset=Organization.objects.none(), empty_label=_("— 不涉及 —"))
    description = forms.CharField(label=_("发生了什么"), widget=forms.Textarea(attrs={"rows": 5}),
                                  max_length=conf.max_text_chars(),
                                  help_text=_("请写清车辆、收费、保险或理赔的具体情况（10 至 2000 字）"))
    occurred_at = forms.DateTimeField(label=_("发生时间"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    location = forms.CharField(label=_("发生地点"), max_length=200)
    photos = MultipleImageField(label=_("照片（可选，JPG/PNG/WebP，最多 3 张，每张不超过 5 MB）"), required=False)
    reporter_name = forms.CharField(label=_("联系人（可选）"), required=False, max_length=40)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20,
                                     help_text=_("仅承办人员可见，用于核实情况和反馈结果"))
    # honeypot: hidden from people by CSS; bots that fill every field give themselves away
    website = forms.CharField(label=_("请勿填写此项"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = _orgs(OrganizationKind.TAXI_COMPANY)
        self.fields["insurer"].queryset = _orgs(OrganizationKind.INSURER)
        self.fields["photos"].help_text = _("照片只供承办人员查看，不会公开。")


class TelephoneReportForm(ReportForm):
    """The same report recorded by staff from a telephone call; no honeypot and no photos."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        del self.fields["photos"]
        self.fields["reporter_name"].label = _("来电人（可选）")
        self.fields["reporter_phone"].label = _("来电号码")


class StatusForm(forms.Form):
    tracking_no = forms.CharField(label=_("受理编号"), max_length=20)
    code = forms.CharField(label=_("查询码"), max_length=12, widget=forms.PasswordInput(render_value=True))


class ForwardForm(forms.Form):
    insurer = forms.ModelChoiceField(label=_("转交保险公司"), queryset=Organization.objects.none())
    note = forms.CharField(label=_("核查要求"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["insurer"].queryset = _orgs(OrganizationKind.INSURER)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=conf.max_text_chars())


class ResolveForm(forms.Form):
    finding = forms.ChoiceField(label=_("核查结论"), choices=Finding.choices)
    result = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=conf.max_text_chars())
    record_credit = forms.BooleanField(label=_("属实的，记入被举报对象的信用档案"), required=False, initial=True)


class ExtendForm(forms.Form):
    """The lawful next extension of a 12378 handling period (rule T4); the service decides the step."""

    to_days = forms.IntegerField(label=_("延长后期限（日）"), widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("延长理由"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             max_length=conf.max_text_chars())


class RehandleForm(forms.Form):
    reason = forms.CharField(label=_("重办原因（投诉人不满意的理由）"), widget=forms.Textarea(attrs={"rows": 2}),
                             required=False, max_length=conf.max_text_chars())


class FeedbackForm(forms.Form):
    feedback = forms.CharField(label=_("给举报人的反馈意见（将显示在查询页面）"), widget=forms.Textarea(attrs={"rows": 3}),
                               max_length=conf.max_text_chars())
