"""Two platform companies (CompanyIds LC0001 and CX0002, the taxi companies A and B), each connected with its own
system account and API key, and the city's forward of the national platform (a transport system account)."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from apps.core.validators import vin_check_digit
from apps.parties.models import OrganizationKind
from apps.parties.services import api_key_create, user_create
from apps.ridehailing import services
from apps.ridehailing.models import Feed
from tests import clock
from tests.factories import user_of

URL = "/api/v1/ridehailing/"


def vin(body: str) -> str:
    """A VIN with a correct check digit from 16 characters (position 9 filled in)."""
    raw = body[:8] + "0" + body[8:]
    return raw[:8] + vin_check_digit(raw) + raw[9:]


def stamp(at: dt.datetime) -> str:
    return at.astimezone(clock.SHANGHAI).strftime("%Y%m%d%H%M%S")


def day_stamp(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def key_client(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {value}")
    return client


class World:
    pass


@pytest.fixture
def rh(parties):
    operator = user_of(OrganizationKind.PLATFORM)
    w = World()
    w.parties, w.operator = parties, operator
    w.company_a = services.company_register(company_id="LC0001", organization=parties.company_a, actor=operator)
    w.company_b = services.company_register(company_id="CX0002", organization=parties.company_b, actor=operator)
    for name, org, kind in (("a", parties.company_a, Feed.Kind.COMPANY), ("b", parties.company_b, Feed.Kind.COMPANY),
                            ("city", parties.transport, Feed.Kind.CITY)):
        account = user_create(organization=org, username=f"rh_{name}", password=None, is_system=True, actor=operator)
        _key, plaintext = api_key_create(user=account, name=f"网约车数据 {name}", actor=operator)
        feed = services.feed_create(name=f"接入 {name}", kind=kind, account=account, actor=operator)
        setattr(w, f"feed_{name}", feed)
        setattr(w, f"account_{name}", account)
        setattr(w, f"client_{name}", key_client(plaintext))
    return w


def post(client, interface: str, records):
    return client.post(URL + interface, records, format="json")


def vehicle_record(plate: str = "桂B12345", *, company: str = "LC0001", flag: int = 1,
                   update: dt.datetime | None = None, **extra) -> dict:
    update = update or clock.NOW - dt.timedelta(days=1)
    record = {
        "CompanyId": company, "Address": "450200", "VehicleNo": plate, "PlateColor": "蓝色", "Seats": 5,
        "Brand": "比亚迪", "Model": "秦PLUS", "VehicleType": "小型轿车", "OwnerName": "韦小明", "VehicleColor": "白",
        "EngineId": "E123456", "VIN": vin("LGXCE4CB" + "12345678"), "CertifyDateA": "20240301",
        "FuelType": "电", "Certificate": "桂交运网约450200000123", "TransAgency": "柳州市交通运输局",
        "TransArea": "柳州市", "TransDateStart": "20240401", "TransDateStop": "20280331",
        "CommercialType": 1, "State": 0, "Flag": flag, "UpdateTime": stamp(update),
    }
    record.update(extra)
    return record


def driver_record(*, company: str = "LC0001", licence: str = "450202198503121234", flag: int = 1,
                  update: dt.datetime | None = None, **extra) -> dict:
    update = update or clock.NOW - dt.timedelta(days=1)
    record = {
        "CompanyId": company, "Address": "450200", "DriverName": "覃大勇", "DriverPhone": "13907720001",
        "DriverGender": "1", "DriverBirthday": "19850312", "LicenseId": licence, "DriverType": "C1",
        "GetDriverLicenseDate": "20080101", "CertificateNo": "450200WY00012", "NetworkCarProofOn": "20240101",
        "NetworkCarProofOff": "20300101", "TaxiDriver": 0, "FullTimeDriver": 1, "InDriverBlacklist": 0,
        "CommercialType": 1, "State": 0, "Flag": flag, "UpdateTime": stamp(update),
    }
    record.update(extra)
    return record
