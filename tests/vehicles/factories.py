"""Factories for vehicles, permits and drivers (direct model rows; services are tested separately)."""

import datetime as dt
import itertools

import factory

from apps.core.validators import vin_check_digit
from apps.vehicles.models import Driver, OnboardingCheck, OperatingPermit, Vehicle
from apps.vehicles.usage import UsageNature
from tests.factories import make_resident_id

_n = itertools.count(1)
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def make_vin(n: int | None = None) -> str:
    """A 17-character VIN with a correct position-9 check digit."""
    n = next(_n) if n is None else n
    body = f"LSVAU2180{n:08d}"  # WMI LSV + VDS; position 9 replaced below
    vin = body[:8] + "0" + body[9:]
    return vin[:8] + vin_check_digit(vin) + vin[9:]


def make_plate(n: int | None = None) -> str:
    """桂B + a letter + 4 digits (rule J1 format)."""
    n = next(_n) if n is None else n
    return f"桂B{_PLATE_LETTERS[(n // 10000) % len(_PLATE_LETTERS)]}{n % 10000:04d}"


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    plate = factory.LazyFunction(make_plate)
    vin = factory.LazyFunction(make_vin)
    engine_no = factory.Sequence(lambda n: f"E{n:07d}")
    vehicle_type = "小型轿车"
    make_model = "比亚迪牌BYD7150"
    seats = 5
    usage_nature = UsageNature.RIDE_HAILING
    owner_name = "张三"
    owner_id_no = factory.LazyFunction(make_resident_id)


class PermitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OperatingPermit

    vehicle = factory.SubFactory(VehicleFactory)
    number = factory.Sequence(lambda n: f"桂交运管柳字4502{n:08d}")
    kind = OperatingPermit.Kind.RIDE_HAILING
    valid_from = dt.date(2026, 1, 1)
    valid_to = dt.date(2029, 12, 31)
    issued_by = "柳州市交通运输局"


class DriverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Driver

    name = "李四"
    id_no = factory.LazyFunction(make_resident_id)  # never an ID a test names by its explicit ``seq``
    phone = "13907721234"
    licence_no = factory.LazyAttribute(lambda o: o.id_no)
    qualification_no = factory.Sequence(lambda n: f"QC{n:08d}")


class OnboardingCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnboardingCheck

    vehicle = factory.SubFactory(VehicleFactory)
    passed = True
    reasons = factory.LazyFunction(list)
