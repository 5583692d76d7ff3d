"""Row specs of the vehicles app: vehicles, permits and drivers (the importer's files, the exports that re-import
without changes), and the parsers of the vehicle columns other specs share (``apps.policies.rows``). The generic
machinery — cell parsers, ``Column``, ``RowSpec``, the contract — is ``apps/imports/rows.py``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, gettext_noop

from apps.core.notifications import Text
from apps.core.validators import normalize_plate, normalize_vin
from apps.imports.rows import (
    Column,
    RowSpec,
    choice_parser,
    parse_bool,
    parse_company,
    parse_date,
    parse_personal,
    parse_seats,
    parse_text,
    parse_upper,
)

from .models import Driver, OperatingPermit, Vehicle
from .usage import nature_label, parse_usage_nature

# --- vehicle columns (rule J1: plates; usage natures) ---------------------------------------------------------


def parse_plate(value: Any) -> str:
    """Rule J1; a new car without a plate leaves the cell empty (or writes 未上牌/新车)."""
    text = parse_text(value)
    if text in ("未上牌", "新车", "无", "暂无"):
        return ""
    return normalize_plate(text)


def parse_usage(value: Any) -> str:
    return parse_usage_nature(parse_text(value))



# --- vehicles ----------------------------------------------------------------------------------------------------


def _vehicle_clean(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The VIN check digit depends on the override column (imported vehicles); a registration date cannot lie in
    the future."""
    if "vin" in kwargs:
        try:
            kwargs["vin"] = normalize_vin(kwargs["vin"], allow_bad_check_digit=kwargs.get("vin_override", False))
        except ValidationError as exc:
            raise ValidationError({"vin": exc.error_list}) from None
    from .services import registration_date_in_future

    future = registration_date_in_future(kwargs.get("registered_on"))
    if future:
        raise ValidationError({"registered_on": future})
    return kwargs


def _vehicle_upsert(*, actor, **kwargs):
    from .services import vehicle_upsert

    if kwargs.get("plate") == "":
        kwargs["plate"] = None
    return vehicle_upsert(actor=actor, **kwargs)


def _company_name(obj) -> str:
    company = getattr(obj, "company", None)
    return company.name if company else ""


VEHICLE_ROWS = RowSpec(
    key="vehicles",
    label="车辆",
    columns=(
        Column("号牌号码", "plate", parse_plate, aliases=("车牌号", "车牌号码", "号牌"),
               help="汉字、大写字母和数字（规则 J1）；新车未上牌可留空", export=lambda v: v.plate or ""),
        Column("车辆识别代号", "vin", parse_upper, required=True, aliases=("VIN", "VIN码", "车架号", "车辆识别代号(VIN)")),
        Column("VIN校验位例外", "vin_override", parse_bool, aliases=("VIN例外", "进口车VIN例外"),
               help="进口车辆不使用第 9 位校验位时填“是”（将记录审计）", export=lambda v: "是" if v.vin_override else ""),
        Column("发动机号", "engine_no", parse_upper, aliases=("发动机号码",)),
        Column("机动车种类", "vehicle_type", parse_text, aliases=("车辆类型", "车辆种类")),
        Column("厂牌型号", "make_model", parse_text, aliases=("品牌型号", "车型")),
        Column("核定载客人数", "seats", parse_seats, aliases=("核定载客", "座位数", "核定座位数")),
        Column("使用性质", "usage_nature", parse_usage, aliases=("车辆使用性质",),
               export=lambda v: nature_label(v.usage_nature)),
        Column("所有人", "owner_name", parse_personal, aliases=("车辆所有人", "车主", "所有人名称"),
               export=lambda v: v.owner_name_masked),
        Column("所有人证件号码", "owner_id_no", parse_personal,
               aliases=("身份证号码/统一社会信用代码", "所有人身份证号码", "证件号码"),
               export=lambda v: v.owner_id_no_masked),
        Column("所属企业", "company", parse_company, aliases=("所属公司", "所属平台", "企业名称"), export=_company_name),
        Column("注册登记日期", "registered_on", parse_date, aliases=("初次登记日期", "登记日期", "注册日期")),
    ),
    upsert=_vehicle_upsert,
    clean=_vehicle_clean,
    example={"号牌号码": "桂B12345", "车辆识别代号": "LSVAU2180N2183459", "核定载客人数": "5", "使用性质": "预约出租客运"},
)


# --- operating permits -------------------------------------------------------------------------------------------

PERMIT_KINDS = {
    "网络预约出租汽车运输证": OperatingPermit.Kind.RIDE_HAILING, "网约车运输证": OperatingPermit.Kind.RIDE_HAILING,
    "网约车": OperatingPermit.Kind.RIDE_HAILING, "预约出租": OperatingPermit.Kind.RIDE_HAILING,
    "巡游出租汽车运输证": OperatingPermit.Kind.CRUISING_TAXI, "出租汽车运输证": OperatingPermit.Kind.CRUISING_TAXI,
    "巡游出租": OperatingPermit.Kind.CRUISING_TAXI, "出租车": OperatingPermit.Kind.CRUISING_TAXI,
}


def _find_vehicle(kwargs: dict[str, Any], *, required: bool) -> dict[str, Any]:
    plate = kwargs.pop("plate", None) or None
    vin = kwargs.pop("vin", None) or None
    if plate is None and vin is None:
        if required:
            raise ValidationError({"plate": ValidationError(Text(gettext_noop("请填写号牌号码或车辆识别代号。")))})
        return kwargs
    vehicle = None
    if vin:
        vehicle = Vehicle.objects.filter(vin=vin).first()
        if vehicle is None:
            raise ValidationError({"vin": ValidationError(Text(gettext_noop("车辆登记册中没有车辆识别代号为 %(v)s 的车辆，请先导入车辆。"), v=vin))})
        if plate and vehicle.plate and vehicle.plate != plate:
            raise ValidationError({"plate": ValidationError(Text(
                gettext_noop("号牌 %(p)s 与登记册中该车辆的号牌 %(q)s 不一致。"), p=plate, q=vehicle.plate))})
    else:
        vehicle = Vehicle.objects.filter(plate=plate).first()
        if vehicle is None:
            raise ValidationError({"plate": ValidationError(Text(gettext_noop("车辆登记册中没有号牌为 %(v)s 的车辆，请先导入车辆。"), v=plate))})
    kwargs["vehicle"] = vehicle
    return kwargs


def _permit_upsert(*, actor, **kwargs):
    from .services import permit_upsert

    return permit_upsert(actor=actor, **kwargs)


PERMIT_ROWS = RowSpec(
    key="permits",
    label="运输证",
    columns=(
        Column("运输证号", "number", parse_upper, required=True, aliases=("证号", "道路运输证号", "运输证号码")),
        Column("证件类别", "kind", choice_parser(PERMIT_KINDS, gettext_lazy("证件类别")), aliases=("类别", "运输证类别"),
               export=lambda p: p.get_kind_display()),
        Column("号牌号码", "plate", parse_plate, aliases=("车牌号", "车牌号码"), export=lambda p: p.vehicle.plate or ""),
        Column("车辆识别代号", "vin", parse_upper, aliases=("VIN", "车架号"), export=lambda p: p.vehicle.vin),
        Column("有效期起", "valid_from", parse_date, aliases=("发证日期", "有效期开始", "起始日期")),
        Column("有效期至", "valid_to", parse_date, aliases=("有效期止", "有效期截止", "截止日期")),
        Column("发证机关", "issued_by", parse_text, aliases=("核发机关",)),
    ),
    upsert=_permit_upsert,
    clean=lambda kw: _find_vehicle(kw, required=True),
    example={"运输证号": "桂交运管柳字450200123456", "证件类别": "网络预约出租汽车运输证", "号牌号码": "桂B12345",
             "有效期起": "2026-01-01", "有效期至": "2029-12-31"},
)


# --- drivers -----------------------------------------------------------------------------------------------------


def _driver_clean(kwargs: dict[str, Any]) -> dict[str, Any]:
    plate = kwargs.pop("vehicle_plate", None)
    if plate:
        vehicle = Vehicle.objects.filter(plate=plate).first()
        if vehicle is None:
            raise ValidationError({"vehicle_plate": ValidationError(Text(gettext_noop("车辆登记册中没有号牌为 %(v)s 的车辆。"), v=plate))})
        kwargs["vehicle"] = vehicle
    if "id_no" not in kwargs:
        raise ValidationError({"id_no": ValidationError(Text(gettext_noop("身份证号码不能是打码后的值。")))})
    return kwargs


def _driver_upsert(*, actor, **kwargs):
    from .services import driver_upsert

    return driver_upsert(actor=actor, **kwargs)


def _current_plate(driver: Driver) -> str:
    assignment = driver.assignments.filter(ended_on__isnull=True).select_related("vehicle").first()
    return assignment.vehicle.plate or "" if assignment else ""


DRIVER_ROWS = RowSpec(
    key="drivers",
    label="驾驶员",
    columns=(
        Column("姓名", "name", parse_personal, required=True, aliases=("驾驶员姓名",), export=lambda d: d.name_masked),
        Column("身份证号码", "id_no", parse_personal, required=True, aliases=("身份证号", "公民身份号码", "证件号码"),
               export=lambda d: d.id_no_masked),
        Column("联系电话", "phone", parse_personal, aliases=("手机号", "手机号码", "电话"), export=lambda d: d.phone_masked),
        Column("驾驶证号", "licence_no", parse_personal, aliases=("驾驶证号码", "机动车驾驶证号"),
               export=lambda d: d.licence_no_masked),
        Column("从业资格证号", "qualification_no", parse_upper, aliases=("从业资格证号码", "资格证号", "网约车驾驶员证号")),
        Column("所属企业", "company", parse_company, aliases=("所属公司", "所属平台"), export=_company_name),
        Column("驾驶车辆号牌", "vehicle_plate", parse_plate, aliases=("车牌号", "号牌号码", "驾驶车辆"),
               export=_current_plate),
    ),
    upsert=_driver_upsert,
    clean=_driver_clean,
    example={"姓名": "李四", "身份证号码": "450202198503120014", "联系电话": "13907721234", "所属企业": "龙城出租"},
)

ROW_SPECS: dict[str, RowSpec] = {s.key: s for s in (VEHICLE_ROWS, PERMIT_ROWS, DRIVER_ROWS)}
