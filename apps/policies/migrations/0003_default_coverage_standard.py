"""Seed the default coverage standard (rule M10) so verification has a standard in force from day one.

The associations replace it by publishing a new version (``coverage_standard_publish``). Where each number
comes from:

* 交强险 (compulsory): required for every motor vehicle by the 机动车交通事故责任强制保险条例 (seed 003,
  "规定所有机动车必须投保交强险"); its limits are statutory, so only its presence is checked (min 0).
* 第三者责任险 ≥ 1,000,000 yuan: **the project's default choice**. The seeds give no binding minimum; seed 003
  recommends "运营车建议选择50万以上限额" and lists 100万 among common limits, and seed 004 caps third-party
  cover only for other vehicle classes. One million is the level commonly demanded of ride-hailing vehicles;
  the associations should confirm or change it.
* 承运人责任险 per seat ≥ 400,000 yuan: rule C2, seed 001 ("每座责任险应不低于40万元"). Seat cover
  (车上人员责任险) does not substitute by default, because seed 004 (rule P3) caps it at 100,000 per seat for
  operating vehicles, below the C2 minimum.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

NAME = "默认保障标准（系统初始版本）"


def forwards(apps, schema_editor):
    CoverageStandard = apps.get_model("policies", "CoverageStandard")
    CoverageRequirement = apps.get_model("policies", "CoverageRequirement")
    if CoverageStandard.objects.filter(name=NAME).exists():
        return
    standard = CoverageStandard.objects.create(
        name=NAME,
        effective_from=dt.date(2026, 4, 30),  # rule M18: the mechanism is in force from 2026-04-30
        basis=(
            "交强险：法定必须投保；第三者责任险不低于100万元（系统默认值，待两协会确认）；"
            "承运人责任险每座不低于40万元（《道路旅客运输承运人责任保险承保指引》，规则 C2）。"
        ),
    )
    CoverageRequirement.objects.create(standard=standard, policy_kind="compulsory", min_limit=Decimal("0"))
    CoverageRequirement.objects.create(standard=standard, policy_kind="third_party", min_limit=Decimal("1000000"))
    CoverageRequirement.objects.create(
        standard=standard, policy_kind="carrier_liability", min_limit=Decimal("0"),
        min_per_seat_limit=Decimal("400000"),
    )


def backwards(apps, schema_editor):
    apps.get_model("policies", "CoverageStandard").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0002_role_permissions")]
    operations = [migrations.RunPython(forwards, backwards)]
