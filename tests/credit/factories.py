"""Minimal vehicles and drivers for credit tests (the registers' own factories are preferred when present)."""

import itertools

from apps.vehicles.models import Driver, Vehicle
from tests.factories import make_resident_id

_n = itertools.count(1)

_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
               **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
               **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
_VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]


def make_vin(n: int) -> str:
    body = f"LSVAU2180N{n:07d}"[:17]
    total = sum(_VIN_VALUES[c] * w for c, w in zip(body, _VIN_WEIGHTS, strict=True))
    check = total % 11
    return body[:8] + ("X" if check == 10 else str(check)) + body[9:]


def make_vehicle(*, plate: str | None = None, company=None, seats: int = 5, **kwargs) -> Vehicle:
    n = next(_n)
    plate = plate or f"桂B{n:05d}"
    return Vehicle.objects.create(plate=plate, vin=make_vin(n + 5000), seats=seats, company=company, **kwargs)


def make_driver(*, company=None, name: str = "李建国") -> Driver:
    return Driver.objects.create(name=name, id_no=make_resident_id(), company=company)
