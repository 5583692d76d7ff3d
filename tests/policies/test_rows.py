"""Row specs (importer + batch push): parsing with Chinese column errors, idempotent upserts, export round trip."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.core.models import AuditEvent
from apps.imports.rows import parse_end, parse_money, parse_start
from apps.policies.models import Policy
from apps.policies.rows import POLICY_ROWS
from apps.vehicles.models import Driver, OperatingPermit, Vehicle
from apps.vehicles.rows import DRIVER_ROWS, PERMIT_ROWS, VEHICLE_ROWS
from apps.vehicles.services import UpsertOutcome
from apps.vehicles.usage import UsageNature
from tests.factories import make_resident_id
from tests.policies.factories import shanghai
from tests.vehicles.factories import make_vin


def _vehicle_row(**over):
    row = {"号牌号码": "桂B12345", "车辆识别代号": make_vin(9001), "发动机号": "e123456", "厂牌型号": "比亚迪牌BYD7150",
           "核定载客": "5座", "使用性质": "预约出租客运", "所有人": "王五", "所有人证件号码": make_resident_id(seq=321),
           "注册登记日期": "2024/3/1"}
    row.update(over)
    return row


def _policy_row(**over):
    row = {"保单号": "PDZA2026000001", "险种": "商业三者险", "车牌号": "桂B12345", "VIN": make_vin(9001),
           "核定载客人数": 5, "使用性质": "营业出租租赁", "投保人": "王五", "保险起期": "2026-05-01",
           "保险止期": "2027年4月30日", "保费": "3,200.00", "责任限额": "100万"}
    row.update(over)
    return row


def test_cell_parsers():
    assert parse_money("100万元") == Decimal("1000000.00")
    assert parse_money(950.5) == Decimal("950.50")
    assert parse_start("2026-05-01") == shanghai(2026, 5, 1)
    assert parse_end("2027-04-30") == shanghai(2027, 5, 1)  # 24时 of the last day
    assert parse_end("2027-04-30 24:00") == shanghai(2027, 5, 1)
    assert parse_start("2026年5月1日0时") == shanghai(2026, 5, 1)
    assert parse_start(dt.date(2026, 5, 1)) == shanghai(2026, 5, 1)
    with pytest.raises(ValidationError):
        parse_start("下周一")


def test_vehicle_row_errors_are_per_column_in_chinese(db):
    with pytest.raises(ValidationError) as exc:
        VEHICLE_ROWS.parse(_vehicle_row(**{"号牌号码": "桂B-12345", "车辆识别代号": "", "使用性质": "跑车用"}))
    errors = exc.value.message_dict
    assert set(errors) == {"号牌号码", "车辆识别代号", "使用性质"}
    assert "J1" in errors["号牌号码"][0]
    assert errors["车辆识别代号"] == ["此项必填。"]
    assert "无法识别的使用性质" in errors["使用性质"][0]


def test_vin_check_digit_error_is_on_vin_column(parties):
    vin = make_vin(9002)
    bad = vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]
    with pytest.raises(ValidationError) as exc:
        VEHICLE_ROWS.parse(_vehicle_row(**{"车辆识别代号": bad}))
    assert list(exc.value.message_dict) == ["车辆识别代号"]
    kwargs = VEHICLE_ROWS.parse(_vehicle_row(**{"车辆识别代号": bad, "VIN校验位例外": "是"}))
    vehicle, outcome = VEHICLE_ROWS.apply(actor=parties.transport_user, kwargs=kwargs)
    assert outcome == UpsertOutcome.CREATED and vehicle.vin_override
    assert AuditEvent.objects.filter(action="vehicle.vin_override", object_id=str(vehicle.pk)).exists()


def test_vehicle_row_upsert_is_idempotent(parties):
    actor = parties.transport_user
    kwargs = VEHICLE_ROWS.parse(_vehicle_row())
    vehicle, outcome = VEHICLE_ROWS.apply(actor=actor, kwargs=kwargs)
    assert outcome == UpsertOutcome.CREATED
    assert vehicle.usage_nature == UsageNature.RIDE_HAILING and vehicle.seats == 5 and vehicle.engine_no == "E123456"
    events = AuditEvent.objects.count()
    again, outcome = VEHICLE_ROWS.apply(actor=actor, kwargs=VEHICLE_ROWS.parse(_vehicle_row()))
    assert (again.pk, outcome) == (vehicle.pk, UpsertOutcome.UNCHANGED)
    assert AuditEvent.objects.count() == events  # nothing changed, nothing recorded
    # the masked export re-imports without changing anything
    exported = VEHICLE_ROWS.export_row(vehicle)
    assert "*" in exported["所有人证件号码"]
    _, outcome = VEHICLE_ROWS.apply(actor=actor, kwargs=VEHICLE_ROWS.parse(exported))
    assert outcome == UpsertOutcome.UNCHANGED
    # a change is applied and audited
    _, outcome = VEHICLE_ROWS.apply(actor=actor, kwargs=VEHICLE_ROWS.parse(_vehicle_row(**{"核定载客": "7"})))
    assert outcome == UpsertOutcome.UPDATED and Vehicle.objects.get(pk=vehicle.pk).seats == 7
    assert AuditEvent.objects.count() == events + 1


def test_plate_on_another_vin_is_refused(parties):
    VEHICLE_ROWS.apply(actor=parties.transport_user, kwargs=VEHICLE_ROWS.parse(_vehicle_row()))
    with pytest.raises(ValidationError) as exc:
        VEHICLE_ROWS.apply(actor=parties.transport_user, kwargs=VEHICLE_ROWS.parse(_vehicle_row(**{"车辆识别代号": make_vin(9003)})))
    assert "号牌号码" in exc.value.message_dict


def test_policy_row_creates_vehicle_and_is_idempotent(parties):
    insurer_user = parties.insurer_a_user
    kwargs = POLICY_ROWS.parse(_policy_row())
    policy, outcome = POLICY_ROWS.apply(actor=insurer_user, kwargs=kwargs)
    assert outcome == UpsertOutcome.CREATED
    assert policy.insurer == parties.insurer_a and policy.kind == "third_party"
    assert policy.usage_nature_insured == UsageNature.RENTAL
    assert policy.ends_at == shanghai(2027, 5, 1)
    assert policy.premium == Decimal("3200.00")
    assert [(c.kind, c.limit) for c in policy.coverages.all()] == [("third_party", Decimal("1000000.00"))]
    assert policy.vehicle.plate == "桂B12345" and policy.vehicle.seats == 5
    events = AuditEvent.objects.count()
    again, outcome = POLICY_ROWS.apply(actor=insurer_user, kwargs=POLICY_ROWS.parse(_policy_row()))
    assert (again.pk, outcome) == (policy.pk, UpsertOutcome.UNCHANGED)
    assert AuditEvent.objects.count() == events
    exported = POLICY_ROWS.export_row(Policy.objects.get(pk=policy.pk))
    _, outcome = POLICY_ROWS.apply(actor=insurer_user, kwargs=POLICY_ROWS.parse(exported))
    assert outcome == UpsertOutcome.UNCHANGED
    assert Policy.objects.count() == 1 and Vehicle.objects.count() == 1


def test_policy_row_of_another_insurer_is_refused(parties):
    kwargs = POLICY_ROWS.parse(_policy_row(**{"保险公司": parties.insurer_b.name}))
    with pytest.raises(ValidationError) as exc:
        POLICY_ROWS.apply(actor=parties.insurer_a_user, kwargs=kwargs)
    assert "本公司" in exc.value.message_dict["__all__"][0]
    assert not Policy.objects.exists()


def test_policy_row_carrier_liability_per_seat_from_limit(parties):
    kwargs = POLICY_ROWS.parse(_policy_row(**{"险种": "承运人责任险", "责任限额": "1,600,000", "投保座位数": "4"}))
    policy, _ = POLICY_ROWS.apply(actor=parties.insurer_a_user, kwargs=kwargs)
    coverage = policy.coverages.get()
    assert coverage.per_seat_limit == Decimal("400000.00")  # rule C2: per-vehicle = per-seat × seats


def test_permit_and_driver_rows(parties):
    VEHICLE_ROWS.apply(actor=parties.transport_user, kwargs=VEHICLE_ROWS.parse(_vehicle_row()))
    row = {"运输证号": "桂交运管柳字450200000001", "证件类别": "网约车", "号牌号码": "桂B12345",
           "有效期起": "2026-01-01", "有效期至": "2029-12-31", "发证机关": "柳州市交通运输局"}
    permit, outcome = PERMIT_ROWS.apply(actor=parties.transport_user, kwargs=PERMIT_ROWS.parse(row))
    assert outcome == UpsertOutcome.CREATED and permit.kind == OperatingPermit.Kind.RIDE_HAILING
    assert PERMIT_ROWS.apply(actor=parties.transport_user, kwargs=PERMIT_ROWS.parse(row))[1] == UpsertOutcome.UNCHANGED
    with pytest.raises(ValidationError) as exc:
        PERMIT_ROWS.parse({**row, "号牌号码": "桂B99999"})
    assert "请先导入车辆" in exc.value.message_dict["号牌号码"][0]

    id_no = make_resident_id(seq=555)
    drow = {"姓名": "赵六", "身份证号码": id_no, "手机号": "13800000000", "所属企业": parties.company_a.name,
            "驾驶车辆号牌": "桂B12345"}
    driver, outcome = DRIVER_ROWS.apply(actor=parties.company_a_user, kwargs=DRIVER_ROWS.parse(drow))
    assert outcome == UpsertOutcome.CREATED and driver.company == parties.company_a
    assert driver.assignments.get().vehicle.plate == "桂B12345"
    events = AuditEvent.objects.count()
    assert DRIVER_ROWS.apply(actor=parties.company_a_user, kwargs=DRIVER_ROWS.parse(drow))[1] == UpsertOutcome.UNCHANGED
    assert AuditEvent.objects.count() == events
    assert Driver.objects.count() == 1
    # company B may not write company A's driver
    with pytest.raises(ValidationError):
        DRIVER_ROWS.apply(actor=parties.company_b_user, kwargs=DRIVER_ROWS.parse({**drow, "所属企业": ""}))
