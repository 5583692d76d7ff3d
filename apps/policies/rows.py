"""Row spec for policies — the importer's files and the insurers' batch push (``POST /api/v1/policies/batch/``)
share it. See ``apps.imports.rows`` for the contract (parse → kwargs, apply → upsert, export_row).

One row = one policy with the insured vehicle's particulars (rule J2) and, optionally, the limits of the cover
its kind names (责任限额 / 每座限额 / 投保座位数; rule C2 derives the per-seat limit from limit ÷ seats).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, gettext_noop

from apps.core.deadlines import SHANGHAI
from apps.core.notifications import Text
from apps.core.validators import normalize_vin
from apps.imports.rows import (
    Column,
    RowSpec,
    choice_parser,
    parse_end,
    parse_insurer,
    parse_money,
    parse_personal,
    parse_seats,
    parse_start,
    parse_text,
    parse_upper,
)
from apps.vehicles.models import Vehicle
from apps.vehicles.rows import parse_plate, parse_usage
from apps.vehicles.usage import nature_label

from .models import Policy, PolicyKind

POLICY_KINDS = {
    "交强险": PolicyKind.COMPULSORY, "机动车交通事故责任强制保险": PolicyKind.COMPULSORY,
    "机动车交通事故强制责任保险": PolicyKind.COMPULSORY,
    "第三者责任险": PolicyKind.THIRD_PARTY, "商业三者险": PolicyKind.THIRD_PARTY, "三者险": PolicyKind.THIRD_PARTY,
    "机动车第三者责任保险": PolicyKind.THIRD_PARTY, "商业第三者责任险": PolicyKind.THIRD_PARTY,
    "车辆损失险": PolicyKind.OWN_DAMAGE, "车损险": PolicyKind.OWN_DAMAGE, "机动车损失保险": PolicyKind.OWN_DAMAGE,
    "车上人员责任险": PolicyKind.SEAT, "座位险": PolicyKind.SEAT, "机动车车上人员责任保险": PolicyKind.SEAT,
    "承运人责任险": PolicyKind.CARRIER_LIABILITY, "承运人责任保险": PolicyKind.CARRIER_LIABILITY,
    "道路旅客运输承运人责任保险": PolicyKind.CARRIER_LIABILITY, "道路客运承运人责任保险": PolicyKind.CARRIER_LIABILITY,
}
POLICY_STATUSES = {
    "有效": Policy.Status.ACTIVE, "生效": Policy.Status.ACTIVE, "已解除": Policy.Status.RESCINDED,
    "解除": Policy.Status.RESCINDED, "已退保": Policy.Status.CANCELLED, "退保": Policy.Status.CANCELLED,
    "已到期": Policy.Status.EXPIRED, "到期": Policy.Status.EXPIRED, "满期": Policy.Status.EXPIRED,
}
_VEHICLE_FIELDS = ("engine_no", "make_model", "seats", "owner_name", "owner_id_no")


def parse_policy_vin(value: Any) -> str:
    """A valid VIN — or one the register already holds with an audited check-digit override."""
    text = parse_upper(value)
    try:
        return normalize_vin(text)
    except ValidationError:
        if Vehicle.objects.filter(vin=text, vin_override=True).exists():
            return text
        raise


def _policy_clean(kwargs: dict[str, Any]) -> dict[str, Any]:
    if kwargs.get("plate") == "":
        kwargs.pop("plate")
    if "starts_at" in kwargs and "ends_at" in kwargs and kwargs["ends_at"] <= kwargs["starts_at"]:
        raise ValidationError({"ends_at": ValidationError(Text(gettext_noop("保险止期须晚于保险起期。")))})
    vehicle_fields = {f: kwargs.pop(f) for f in _VEHICLE_FIELDS if f in kwargs}
    if vehicle_fields:
        kwargs["vehicle_fields"] = vehicle_fields
    limit = kwargs.pop("limit", None)
    per_seat = kwargs.pop("per_seat_limit", None)
    cover_seats = kwargs.pop("cover_seats", None)
    if limit is not None or per_seat is not None:
        if "kind" not in kwargs:
            raise ValidationError({"kind": ValidationError(Text(gettext_noop("填写限额时须同时填写险种。")))})
        kwargs["coverages"] = [{"kind": kwargs["kind"], "limit": limit, "per_seat_limit": per_seat,
                                "seats": cover_seats}]
    # status / 解除时间 / 退保时间 are read only to repeat the current value (exported files): a row that would change
    # them is refused by the upsert, naming the field (policies.services.LIFECYCLE_FIELDS) — never "fill in 解除时间"
    return kwargs


def _policy_upsert(*, actor, **kwargs):
    from .services import policy_upsert

    return policy_upsert(actor=actor, **kwargs)


def _coverage_of_kind(policy: Policy, attr: str):
    for c in policy.coverages.all():
        if c.kind == policy.kind:
            return getattr(c, attr)
    return None


def _local(value) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


POLICY_ROWS = RowSpec(
    key="policies",
    label="保单",
    columns=(
        Column("保险公司", "insurer", parse_insurer, aliases=("承保公司", "承保机构"), help="保险公司推送时可省略",
               export=lambda p: p.insurer.name),
        Column("保单号", "number", parse_upper, required=True, aliases=("保单号码", "保险单号")),
        Column("险种", "kind", choice_parser(POLICY_KINDS, gettext_lazy("险种")), required=True, aliases=("险种名称", "险别"),
               export=lambda p: p.get_kind_display()),
        Column("号牌号码", "plate", parse_plate, aliases=("车牌号", "车牌号码"), export=lambda p: p.vehicle.plate or ""),
        Column("车辆识别代号", "vin", parse_policy_vin, required=True, aliases=("VIN", "VIN码", "车架号"),
               export=lambda p: p.vehicle.vin),
        Column("发动机号", "engine_no", parse_upper, aliases=("发动机号码",), export=lambda p: p.vehicle.engine_no),
        Column("厂牌型号", "make_model", parse_text, aliases=("品牌型号",), export=lambda p: p.vehicle.make_model),
        Column("核定载客人数", "seats", parse_seats, aliases=("核定载客", "座位数"), export=lambda p: p.vehicle.seats),
        Column("使用性质", "usage_nature_insured", parse_usage, required=True, aliases=("承保使用性质", "车辆使用性质"),
               export=lambda p: nature_label(p.usage_nature_insured)),
        Column("车辆所有人", "owner_name", parse_personal, aliases=("所有人", "车主"),
               export=lambda p: p.vehicle.owner_name_masked),
        Column("所有人证件号码", "owner_id_no", parse_personal, aliases=("身份证号码/统一社会信用代码",),
               export=lambda p: p.vehicle.owner_id_no_masked),
        Column("投保人", "policyholder_name", parse_personal, aliases=("投保人名称",),
               export=lambda p: p.policyholder_name_masked),
        Column("保险起期", "starts_at", parse_start, required=True, aliases=("起保日期", "保险起始日期", "起保时间"),
               help="只写日期时为当日 0 时", export=lambda p: _local(p.starts_at)),
        Column("保险止期", "ends_at", parse_end, required=True, aliases=("终保日期", "保险终止日期", "终保时间"),
               help="只写日期时为当日 24 时", export=lambda p: _local(p.ends_at)),
        Column("保费", "premium", parse_money, required=True, aliases=("保险费", "保费(元)", "签单保费")),
        Column("责任限额", "limit", parse_money, aliases=("保险金额", "责任限额(元)", "保额"),
               export=lambda p: _coverage_of_kind(p, "limit")),
        Column("每座限额", "per_seat_limit", parse_money, aliases=("每座责任限额", "每人责任限额"),
               export=lambda p: _coverage_of_kind(p, "per_seat_limit")),
        Column("投保座位数", "cover_seats", parse_seats, aliases=("承保座位数",),
               export=lambda p: _coverage_of_kind(p, "seats")),
        Column("状态", "status", choice_parser(POLICY_STATUSES, gettext_lazy("保单状态")), aliases=("保单状态",),
               export=lambda p: p.get_status_display()),
        Column("解除时间", "rescinded_at", parse_start, aliases=("解除日期",), export=lambda p: _local(p.rescinded_at)),
        Column("退保时间", "cancelled_at", parse_start, aliases=("退保日期",), export=lambda p: _local(p.cancelled_at)),
    ),
    upsert=_policy_upsert,
    clean=_policy_clean,
    example={"保单号": "PDZA202645020000000001", "险种": "交强险", "号牌号码": "桂B12345",
             "车辆识别代号": "LSVAU2180N2183459", "核定载客人数": "5", "使用性质": "预约出租客运",
             "保险起期": "2026-05-01", "保险止期": "2027-04-30", "保费": "950.00"},
)
