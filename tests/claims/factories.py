"""Rows for claims tests: vehicles, drivers, policies (direct model rows) and claims (through the services)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from apps.claims import services
from apps.claims.models import Claim
from apps.core.deadlines import SHANGHAI
from apps.core.validators import vin_check_digit
from apps.policies.models import Policy, PolicyKind
from apps.vehicles.models import Driver, OperatingPermit, Vehicle
from apps.vehicles.usage import UsageNature
from tests.factories import make_resident_id

_n = itertools.count(1)
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def sh(y, m, d, hh=0, mm=0, ss=0) -> dt.datetime:
    """An instant given in Asia/Shanghai."""
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


def make_vin(n: int) -> str:
    body = f"LGBCL6{n:011d}"
    vin = body[:8] + "0" + body[9:]
    return vin[:8] + vin_check_digit(vin) + vin[9:]


def make_vehicle(*, company=None, usage=UsageNature.FAMILY, online=False, online_since=None, **kwargs) -> Vehicle:
    n = next(_n) + 70000
    return Vehicle.objects.create(
        plate=f"桂B{_LETTERS[(n // 10000) % len(_LETTERS)]}{n % 10000:04d}", vin=make_vin(n), seats=5,
        usage_nature=usage, company=company, online=online, online_since=online_since, **kwargs,
    )


def make_driver(*, company=None, name: str = "王师傅") -> Driver:
    return Driver.objects.create(name=name, id_no=make_resident_id(seq=next(_n) % 1000), company=company)


def make_permit(vehicle: Vehicle, *, valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2028, 12, 31)) -> OperatingPermit:
    return OperatingPermit.objects.create(
        vehicle=vehicle, number=f"桂交运管柳字C{next(_n):08d}", kind=OperatingPermit.Kind.RIDE_HAILING,
        valid_from=valid_from, valid_to=valid_to, issued_by="柳州市交通运输局",
    )


def make_policy(*, insurer, vehicle: Vehicle | None = None, usage=UsageNature.FAMILY, **kwargs) -> Policy:
    vehicle = vehicle or make_vehicle()
    values = {"kind": PolicyKind.COMPULSORY, "starts_at": sh(2026, 1, 1), "ends_at": sh(2027, 1, 1),
              "premium": Decimal("950.00"), **kwargs}
    return Policy.objects.create(
        insurer=insurer, number=f"PDAA2026450200C{next(_n):07d}", vehicle=vehicle, usage_nature_insured=usage,
        **values,
    )


def make_claim(*, user, policy: Policy | None = None, number: str | None = None, occurred_at=None, reported_at=None,
               amount_claimed: Decimal | None = None, driver=None, claim_requested_at=None, **facts) -> Claim:
    """A claim reported through the service (its clocks start), then advanced with ``facts``. A fact that answers
    the claim request (the documents list, rule J11) needs one: given ``documents_requested_at`` without
    ``claim_requested_at``, the claim request is taken to have come with the report."""
    insurer = user.organization
    policy = policy or make_policy(insurer=insurer)
    reported_at = reported_at or sh(2026, 11, 2, 9, 0)
    claim = services.claim_create(
        actor=user, insurer=insurer, number=number or f"RC{next(_n):09d}", policy=policy,
        occurred_at=occurred_at or reported_at - dt.timedelta(minutes=30), reported_at=reported_at,
        amount_claimed=amount_claimed, driver=driver, location="柳州市城中区",
        claim_requested_at=claim_requested_at or (reported_at if "documents_requested_at" in facts else None),
    )
    if facts:
        services.claim_advance(claim=claim, actor=user, facts=facts)
        claim.refresh_from_db()
    return claim


def bare_claim(*, insurer, policy: Policy | None = None, reported_at=None) -> Claim:
    """A claim row without clocks, for starting one clock by hand (instants the services would refuse)."""
    policy = policy or make_policy(insurer=insurer)
    reported_at = reported_at or sh(2026, 11, 2, 9, 0)
    return Claim.objects.create(insurer=insurer, number=f"BC{next(_n):09d}", policy=policy, vehicle=policy.vehicle,
                                occurred_at=reported_at, reported_at=reported_at)
