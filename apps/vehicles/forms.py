"""Forms of the vehicle, permit and driver pages: filters for the lists, and input forms that hand their data to
the services (the services validate; their messages are shown on the form fields)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError
from apps.core.widgets import DateInput
from apps.parties.models import Organization, OrganizationKind

from .models import OperatingPermit, Vehicle
from .usage import UsageClass, UsageNature

BLANK = [("", "—")]


def usage_choices():
    """Filter choices: the two classes first, then every nature."""
    return [*BLANK, (f"class:{UsageClass.OPERATING}", _("全部营运")), (f"class:{UsageClass.NON_OPERATING}",
                                                                    _("全部非营运")), *UsageNature.choices]


def _companies():
    return Organization.objects.filter(kind=OrganizationKind.TAXI_COMPANY, is_active=True).order_by("name")


def _insurers():
    return Organization.objects.filter(kind=OrganizationKind.INSURER, is_active=True).order_by("name")


def apply_service_errors(form: forms.Form, exc: Exception, *, field_map: dict[str, str] | None = None) -> None:
    """Show a service's refusal on the form: ValidationError by field (mapped to form fields), else on top."""
    field_map = field_map or {}
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            target = field_map.get(name, name)
            target = target if target in form.fields else None
            for message in messages:
                form.add_error(target, message)
    elif isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
    elif isinstance(exc, ApplicationError):
        form.add_error(None, exc.message)
    else:
        raise exc


# --- list filters ------------------------------------------------------------------------------------------------


class VehicleFilterForm(forms.Form):
    q = forms.CharField(label=_("号牌或 VIN"), required=False, max_length=40)
    company = forms.ModelChoiceField(label=_("所属企业"), queryset=Organization.objects.none(), required=False)
    usage = forms.ChoiceField(label=_("使用性质"), required=False)
    online = forms.ChoiceField(label=_("台账状态"), required=False,
                               choices=[*BLANK, ("1", _("已上线")), ("0", _("未上线"))])
    scope = forms.ChoiceField(label=_("范围"), required=False,
                              choices=[*BLANK, ("in", _("7 座及以下")), ("out", _("7 座以上"))])
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[*BLANK, *Vehicle.Status.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = _companies()
        self.fields["usage"].choices = usage_choices()


class PermitFilterForm(forms.Form):
    q = forms.CharField(label=_("证号、号牌或 VIN"), required=False, max_length=40)
    kind = forms.ChoiceField(label=_("类别"), required=False, choices=[*BLANK, *OperatingPermit.Kind.choices])
    validity = forms.ChoiceField(label=_("有效期"), required=False, choices=[
        *BLANK, ("valid", _("有效")), ("expiring", _("30 天内到期")), ("expired", _("已过期")), ("revoked", _("已注销"))])
    company = forms.ModelChoiceField(label=_("所属企业"), queryset=Organization.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = _companies()


class DriverFilterForm(forms.Form):
    id_no = forms.CharField(label=_("身份证号码（精确）"), required=False, max_length=18)
    name = forms.CharField(label=_("姓名（精确）"), required=False, max_length=40)
    qualification_no = forms.CharField(label=_("从业资格证号"), required=False, max_length=40)
    company = forms.ModelChoiceField(label=_("所属企业"), queryset=Organization.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = _companies()


# --- input forms -------------------------------------------------------------------------------------------------

PERSONAL_HELP = _("出于个人信息保护，原值不在此显示；留空表示不修改。")


class VehicleForm(forms.Form):
    plate = forms.CharField(label=_("号牌号码"), required=False, max_length=8,
                            help_text=_("汉字、大写字母和数字，不含点、横线等符号（规则 J1）；新车未上牌可留空"))
    vin = forms.CharField(label=_("车辆识别代号（VIN）"), max_length=17)
    vin_override = forms.BooleanField(label=_("VIN 校验位例外（进口车辆，已核实）"), required=False)
    engine_no = forms.CharField(label=_("发动机号"), required=False, max_length=40)
    vehicle_type = forms.CharField(label=_("机动车种类"), required=False, max_length=40)
    make_model = forms.CharField(label=_("厂牌型号"), required=False, max_length=80)
    seats = forms.IntegerField(label=_("核定载客人数"), min_value=1, max_value=99)
    usage_nature = forms.ChoiceField(label=_("使用性质（登记）"), choices=[*BLANK, *UsageNature.choices], required=False)
    owner_name = forms.CharField(label=_("所有人"), required=False, max_length=120)
    owner_id_no = forms.CharField(label=_("所有人身份证号码/统一社会信用代码"), required=False, max_length=18)
    company = forms.ModelChoiceField(label=_("所属出租汽车企业/平台"), queryset=Organization.objects.none(),
                                     required=False)
    registered_on = forms.DateField(label=_("注册登记日期"), required=False,
                                    widget=DateInput())
    status = forms.ChoiceField(label=_("状态"), choices=Vehicle.Status.choices, initial=Vehicle.Status.NORMAL)

    def __init__(self, *args, user=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = _companies()
        if user is not None and user.kind == OrganizationKind.TAXI_COMPANY:
            del self.fields["company"]  # a company registers into its own ledger
        if editing:
            for name in ("owner_name", "owner_id_no"):
                self.fields[name].help_text = PERSONAL_HELP


class PermitForm(forms.Form):
    vehicle = forms.CharField(label=_("车辆（号牌或 VIN）"), max_length=17)
    number = forms.CharField(label=_("运输证号"), max_length=40)
    kind = forms.ChoiceField(label=_("类别"), choices=OperatingPermit.Kind.choices)
    valid_from = forms.DateField(label=_("有效期起"), widget=DateInput())
    valid_to = forms.DateField(label=_("有效期至"), widget=DateInput())
    issued_by = forms.CharField(label=_("发证机关"), required=False, max_length=120, initial="柳州市交通运输局")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["number"].disabled = True
            self.fields["vehicle"].disabled = True


class DriverForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=40, required=False)
    id_no = forms.CharField(label=_("身份证号码"), max_length=18, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    licence_no = forms.CharField(label=_("驾驶证号"), max_length=20, required=False)
    qualification_no = forms.CharField(label=_("从业资格证号"), max_length=40, required=False)
    vehicle = forms.CharField(label=_("驾驶车辆（号牌或 VIN，可选）"), max_length=17, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("name", "id_no", "phone", "licence_no"):
                self.fields[name].help_text = PERSONAL_HELP
        else:
            self.fields["name"].required = True
            self.fields["id_no"].required = True


class OnboardingForm(forms.Form):
    query = forms.CharField(label=_("号牌号码或车辆识别代号（VIN）"), max_length=40)
    permit_kind = forms.ChoiceField(label=_("拟从事的业务"), choices=OperatingPermit.Kind.choices,
                                    initial=OperatingPermit.Kind.RIDE_HAILING, widget=forms.RadioSelect)

