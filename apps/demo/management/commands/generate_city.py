"""Generate a realistic city: 桂B vehicles, permits, companies, insurers, drivers and policies.

    manage.py generate_city                     # the demo default (a few hundred vehicles), loaded by `make run`
    manage.py generate_city --policies 1000000  # scale data for the benchmarks

The city is deterministic for a given ``--seed`` and size, and the command is idempotent: a city already present
(its first vehicle exists) is left alone. Rows are written with PostgreSQL COPY in chunks (one transaction per
chunk) through the importer's COPY writer (``apps.imports.copy``), personal fields encrypted and blind-indexed
exactly as the model fields would (``apps.core.crypto``).

What the city contains (shares per vehicle, tuned so every page and rule has something to show):
* ride-hailing vehicles (网约车, mostly new-energy plates 桂BD…/桂BF…) and cruising taxis (桂BT…) of the taxi
  companies, with transport permits (a few expired or missing), drivers with valid resident ID numbers, and an
  online flag in the company ledger; private cars (家庭自用/非营业个人); a few buses over 7 seats (out of scope, M1)
  with carrier liability cover (C1–C3);
* policies of the insurers (demo insurers first): compulsory insurance with the rate plan's base premium and the
  float ratio (J4, J12), third-party cover, carrier liability, seat cover and own damage, each with last year's
  expired policy; and the cases the platform exists for: operating vehicles insured as non-operating (M6),
  uninsured operating vehicles, double compulsory insurance (J7), third-party limits below the coverage standard
  (M10), per-seat carrier limits below 400,000 (C2), seat cover above 100,000 per seat and own damage on operating
  vehicles of 10 years or more (P3).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from apps.core import crypto
from apps.core.audit import audit_record
from apps.core.deadlines import SHANGHAI
from apps.core.validators import resident_id_check_char, uscc_check_char, vin_check_digit
from apps.imports.copy import copy_values, reserve_ids
from apps.parties.models import Organization, OrganizationKind
from apps.parties.rights import SystemActor
from apps.parties.services import organization_create
from apps.policies import premiums
from apps.policies.models import Coverage, Policy, PolicyKind
from apps.vehicles.models import Driver, DriverAssignment, OperatingPermit, Vehicle
from apps.vehicles.usage import UsageNature

DEMO_POLICIES = 1500
ALNUM = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # plates: no I or O
LIUZHOU_REGIONS = ("450202", "450203", "450204", "450205", "450206", "450222", "450223", "450224", "450225",
                   "450226")
SURNAMES = "韦覃黄蒙莫廖陆李王张刘陈杨赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐潘蓝谭梁卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华建国志海燕玉梅春桂林秋红松文斌宁凤英德福庆"
MAKES = (  # WMI, VDS, make and model, vehicle type, new energy
    ("LGX", "CE4CB", "比亚迪牌BYD7003BEV", "小型轿车", True),
    ("LGX", "C16C8", "比亚迪牌BYD6470ST6HEV", "小型普通客车", True),
    ("LSV", "A6BC2", "大众汽车牌SVW7155FPD", "小型轿车", False),
    ("LFV", "A21K5", "捷达牌FV7152BBCBG", "小型轿车", False),
    ("LGB", "H52E0", "东风日产牌DFL7162VAL", "小型轿车", False),
    ("LB3", "7NEBZ", "吉利牌MR7004BEV05", "小型轿车", True),
    ("LK6", "ADCE1", "五菱牌GXA7000BEVHA", "小型轿车", True),
    ("LVG", "C41A8", "丰田牌GTM7200NFFC", "小型轿车", False),
)
BUS = ("LZY", "TAGC9", "金龙牌XMQ6902AYD", "大型普通客车", False)
YEAR_CODES = {2012: "C", 2013: "D", 2014: "E", 2015: "F", 2016: "G", 2017: "H", 2018: "J", 2019: "K", 2020: "L",
              2021: "M", 2022: "N", 2023: "P", 2024: "R", 2025: "S", 2026: "T"}
EXTRA_INSURERS = (
    ("中国太平洋财产保险股份有限公司柳州中心支公司", "太保产险柳州", "CPIC"),
    ("中国人寿财产保险股份有限公司柳州市中心支公司", "国寿财险柳州", "CLPC"),
    ("中华联合财产保险股份有限公司柳州中心支公司", "中华财险柳州", "CICP"),
    ("阳光财产保险股份有限公司柳州中心支公司", "阳光产险柳州", "SGIC"),
)
EXTRA_COMPANIES = (
    ("柳州市鱼峰出租汽车有限公司", "鱼峰出租"),
    ("柳州市桂中网约车服务有限公司", "桂中网约车"),
    ("柳州市柳江出行科技有限公司", "柳江出行"),
)


@dataclass
class Plan:
    policies: int
    seed: int
    chunk: int


def _uscc(n: int) -> str:
    body = f"91450200MA5L{n:05d}"
    return body + uscc_check_char(body)


def _vin(i: int) -> str:
    """Deterministic, unique per index, with a correct check digit (ISO 3779 position 9)."""
    wmi, vds = MAKES[i % len(MAKES)][:2]
    year = YEAR_CODES[2016 + (i // 7) % 11]
    body = f"{wmi}{vds}0{year}L{i // len(MAKES) % 1_000_000:06d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def _bus_vin(j: int) -> str:
    body = f"{BUS[0]}{BUS[1]}0NL{j:06d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def _regular_plate(k: int) -> str:
    """桂B + a digit + four letters/digits (never the 桂B+letter+4 digits shape of the other generators)."""
    tail = ""
    n = k
    for _ in range(4):
        n, r = divmod(n, len(ALNUM))
        tail = ALNUM[r] + tail
    return f"桂B{1 + n % 9}{tail}"


def _nev_plate(j: int) -> str:
    """Small new-energy plate: 桂B + D/F + letter or digit + four digits (rule J1 format, 8 characters)."""
    return f"桂B{'DF'[j % 2]}{ALNUM[(j // 2) % len(ALNUM)]}{(j // (2 * len(ALNUM))) % 10000:04d}"


def _taxi_plate(j: int) -> str:
    return f"桂BT{j % 10000:04d}"


class Generator:
    """Builds the rows of one chunk of vehicles (plain dicts keyed by attname, personal fields already encrypted)."""

    def __init__(self, plan: Plan, insurers: list[Organization], companies: list[Organization], now: dt.datetime):
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.insurers = insurers
        self.companies = companies
        self.now = now
        self.today = timezone.localdate(now)
        self.policy_seq = 0
        self.driver_seq = 0
        self.taxi_seq = 0
        self.nev_seq = 0
        self.regular_seq = 0
        self.bus_seq = 0
        # demo organisations carry most of the book, so every demo login has something to look at
        self.insurer_weights = [6 if i < 2 else 2 for i in range(len(insurers))]
        self.company_weights = [5 if i < 2 else 2 for i in range(len(companies))]

    # --- people ---------------------------------------------------------------------------------------------
    def person_name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))

    def resident_id(self) -> str:
        """Unique per call: (region, birth date, sequence) is a bijection of the counter (birth dates spread over
        40 years by a step coprime with the span)."""
        k = self.driver_seq
        self.driver_seq += 1
        rest, seq = divmod(k, 1000)
        region = LIUZHOU_REGIONS[rest % len(LIUZHOU_REGIONS)]
        birth = dt.date(1962, 1, 1) + dt.timedelta(days=(rest // len(LIUZHOU_REGIONS)) * 7919 % 14600)
        body = f"{region}{birth:%Y%m%d}{seq:03d}"
        return body + resident_id_check_char(body)

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"

    # --- money ------------------------------------------------------------------------------------------------
    @staticmethod
    def yuan(value) -> Decimal:
        return Decimal(value).quantize(Decimal("0.01"))

    # --- one vehicle with everything around it ---------------------------------------------------------------
    def vehicle(self, index: int) -> dict:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55:
            profile = "ride_hailing"
        elif roll < 0.70:
            profile = "taxi"
        elif roll < 0.98:
            profile = "private"
        else:
            profile = "bus"
        make = BUS if profile == "bus" else MAKES[index % len(MAKES)]
        if profile == "bus":
            vin = _bus_vin(self.bus_seq)
            self.bus_seq += 1
            seats = rng.choice((19, 29, 39, 45, 55))
            usage = UsageNature.HIGHWAY_PASSENGER
            plate = _regular_plate(10_000_000 + self.bus_seq)
        else:
            vin = _vin(index)
            seats = 7 if make[3] == "小型普通客车" else 5
            if profile == "ride_hailing":
                usage = UsageNature.RIDE_HAILING
                if make[4]:
                    plate = _nev_plate(self.nev_seq)
                    self.nev_seq += 1
                else:
                    plate = _regular_plate(self.regular_seq)
                    self.regular_seq += 1
            elif profile == "taxi":
                usage = UsageNature.CRUISING_TAXI
                if self.taxi_seq < 10000:
                    plate = _taxi_plate(self.taxi_seq)
                    self.taxi_seq += 1
                else:
                    plate = _regular_plate(self.regular_seq)
                    self.regular_seq += 1
            else:
                usage = rng.choice((UsageNature.FAMILY, UsageNature.FAMILY, UsageNature.PERSONAL))
                plate = _regular_plate(self.regular_seq)
                self.regular_seq += 1
        age_years = rng.choice((0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 11)) if profile != "bus" else rng.randrange(2, 9)
        registered_on = self.today - dt.timedelta(days=365 * age_years + rng.randrange(0, 330))
        company = None
        if profile in ("ride_hailing", "taxi"):
            company = rng.choices(self.companies, self.company_weights)[0]
        elif profile == "bus":
            company = None
        owner_is_company = company is not None and rng.random() < 0.5
        owner_name = company.name if owner_is_company else self.person_name()
        owner_id = company.uscc if owner_is_company else self.resident_id()
        return {
            "profile": profile, "plate": plate, "vin": vin, "seats": seats, "usage_nature": usage,
            "make_model": make[2], "vehicle_type": make[3], "engine_no": f"{make[0][:2]}{index:08d}",
            "owner_name": owner_name, "owner_id_no": owner_id, "company": company, "registered_on": registered_on,
        }


class Command(BaseCommand):
    help = "生成演示城市数据（桂B 车辆、运输证、驾驶员、保单）；--policies 指定保单数量，可到 100 万。"

    def add_arguments(self, parser):
        parser.add_argument("--policies", type=int, default=DEMO_POLICIES, help="保单数量（默认 %(default)s）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（同一种子生成同一城市）")
        parser.add_argument("--chunk", type=int, default=5000, help="每个事务写入的车辆数")

    def handle(self, *args, policies: int, seed: int, chunk: int, **options):
        if settings.PRODUCTION:
            raise CommandError("生产环境不能生成演示数据。")
        if policies < 1:
            raise CommandError("--policies 至少为 1。")
        plan = Plan(policies=policies, seed=seed, chunk=max(chunk, 100))
        result = generate_city(plan, stdout=self.stdout)
        if result is None:
            self.stdout.write("城市数据已存在（第一辆车已登记），未重复生成。")


def seed_demo_city(stdout) -> None:
    """Demo seeder (``apps.demo.seeders.SEEDERS``): the small default city (idempotent)."""
    result = generate_city(Plan(policies=DEMO_POLICIES, seed=2026, chunk=5000), stdout=stdout)
    if result is not None:
        stdout.write(f"演示城市：{result['vehicles']} 辆车，{result['policies']} 张保单。")


# --- writing ---------------------------------------------------------------------------------------------------


def _organizations(stdout) -> tuple[list[Organization], list[Organization]]:
    insurers = list(Organization.objects.filter(kind=OrganizationKind.INSURER, is_active=True).order_by("id"))
    companies = list(Organization.objects.filter(kind=OrganizationKind.TAXI_COMPANY, is_active=True).order_by("id"))
    if not insurers or not companies:
        raise CommandError("请先运行 `manage.py seed_demo` 加载演示单位（保险公司和出租汽车企业）。")
    for n, (name, short, _code) in enumerate(EXTRA_INSURERS, start=1):
        if not Organization.objects.filter(name=name).exists():
            insurers.append(organization_create(kind=OrganizationKind.INSURER, name=name, short_name=short,
                                                uscc=_uscc(n), actor=SystemActor("generate_city")))
    for n, (name, short) in enumerate(EXTRA_COMPANIES, start=101):
        if not Organization.objects.filter(name=name).exists():
            companies.append(organization_create(kind=OrganizationKind.TAXI_COMPANY, name=name, short_name=short,
                                                 uscc=_uscc(n), actor=SystemActor("generate_city")))
    insurers = list(Organization.objects.filter(kind=OrganizationKind.INSURER, is_active=True).order_by("id"))
    companies = list(Organization.objects.filter(kind=OrganizationKind.TAXI_COMPANY, is_active=True).order_by("id"))
    return insurers, companies


def _enc(value: str) -> str:
    return crypto.encrypt(value) if value else ""


def _bidx(value: str) -> str:
    return crypto.blind_index(value) if value else ""


def _at(day: dt.date, hour: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def generate_city(plan: Plan, *, stdout=None) -> dict | None:
    started = time.monotonic()
    if Vehicle.objects.filter(vin=_vin(0)).exists():
        return None
    insurers, companies = _organizations(stdout)
    now = timezone.now()
    gen = Generator(plan, insurers, companies, now)
    rng = gen.rng
    totals = {"vehicles": 0, "permits": 0, "drivers": 0, "policies": 0, "coverages": 0}
    index = 0
    while totals["policies"] < plan.policies:
        if index > 50_000_000:
            raise CommandError("无法生成更多不重复的车辆；请换一个 --seed 或清空数据库。")
        with transaction.atomic():
            written = _write_chunk(gen, rng, index, plan, totals, now)
        index += written
        if stdout is not None and plan.policies >= 50_000:
            stdout.write(f"  {totals['vehicles']:>9,} 辆车  {totals['policies']:>10,} 张保单  "
                         f"{time.monotonic() - started:6.1f} s")

    if totals["policies"] >= 50_000:
        # fresh statistics for the planner: a city bulk-written just now would otherwise be planned as the empty
        # tables it was (seconds per page until autovacuum gets round to it)
        with connection.cursor() as cursor:
            for model in (Vehicle, OperatingPermit, Driver, DriverAssignment, Policy, Coverage):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    audit_record(actor=SystemActor("generate_city"), action="city.generate", detail={**totals, "seed": plan.seed,
                                                 "seconds": round(time.monotonic() - started, 1)})
    totals["seconds"] = round(time.monotonic() - started, 1)
    return totals


def _write_chunk(gen: Generator, rng: random.Random, start: int, plan: Plan, totals: dict, now: dt.datetime) -> int:
    vehicles, permits, drivers, policies = [], [], [], []
    today = gen.today
    candidates = [gen.vehicle(i) for i in range(start, start + plan.chunk)]
    taken_vins = set(Vehicle.objects.filter(vin__in=[c["vin"] for c in candidates]).values_list("vin", flat=True))
    taken_plates = set(Vehicle.objects.filter(plate__in=[c["plate"] for c in candidates])
                       .values_list("plate", flat=True))
    candidates = [c for c in candidates if c["vin"] not in taken_vins and c["plate"] not in taken_plates]
    vehicle_ids = reserve_ids(Vehicle, len(candidates))
    budget = plan.policies - totals["policies"]
    used = 0
    for vid, v in zip(vehicle_ids, candidates, strict=True):
        if budget <= 0:
            break
        profile, company = v["profile"], v["company"]
        operating = profile in ("ride_hailing", "taxi", "bus")
        # --- permit and ledger (rules M9, M15)
        has_permit = profile in ("ride_hailing", "taxi") and rng.random() > 0.05
        permit_expired = has_permit and rng.random() < 0.05
        if has_permit:
            valid_from = today - dt.timedelta(days=rng.randrange(30, 1400))
            valid_to = (today - dt.timedelta(days=rng.randrange(1, 120)) if permit_expired
                        else today + dt.timedelta(days=rng.randrange(10, 1500)))
            if valid_to < valid_from:
                valid_from = valid_to - dt.timedelta(days=365 * 3)
            permits.append({
                "vehicle_id": vid, "number": f"桂交运管柳字{450200000000 + totals['permits'] + len(permits):012d}",
                "kind": OperatingPermit.Kind.RIDE_HAILING if profile == "ride_hailing"
                else OperatingPermit.Kind.CRUISING_TAXI,
                "valid_from": valid_from, "valid_to": valid_to, "issued_by": "柳州市交通运输局", "revoked_at": None,
                "created_at": now, "updated_at": now,
            })
        online = company is not None and has_permit and not permit_expired and rng.random() < 0.75
        vehicles.append({
            "id": vid, "plate": v["plate"], "vin": v["vin"], "vin_override": False, "engine_no": v["engine_no"],
            "vehicle_type": v["vehicle_type"], "make_model": v["make_model"], "seats": v["seats"],
            "usage_nature": v["usage_nature"], "owner_name": _enc(v["owner_name"]),
            "owner_name_bidx": _bidx(v["owner_name"]), "owner_id_no": _enc(v["owner_id_no"]),
            "owner_id_no_bidx": _bidx(v["owner_id_no"]), "company_id": company.pk if company else None,
            "registered_on": v["registered_on"], "status": Vehicle.Status.NORMAL, "online": online,
            "online_since": _at(today - dt.timedelta(days=rng.randrange(1, 400)), 9) if online else None,
            "created_at": now, "updated_at": now,
        })
        # --- drivers (cruising taxis run two shifts)
        for _shift in range(2 if profile == "taxi" else (1 if profile == "ride_hailing" else 0)):
            name, id_no = gen.person_name(), gen.resident_id()
            phone = gen.phone()
            drivers.append({
                "name": _enc(name), "name_bidx": _bidx(name), "id_no": _enc(id_no), "id_no_bidx": _bidx(id_no),
                "phone": _enc(phone), "phone_bidx": _bidx(phone), "licence_no": _enc(id_no),
                "qualification_no": f"4502{totals['drivers'] + len(drivers):010d}",
                "company_id": company.pk if company else None, "created_at": now, "updated_at": now,
                "_vehicle": vid, "_since": max(v["registered_on"], today - dt.timedelta(days=rng.randrange(1, 700))),
            })
        # --- policies: this year's and last year's (rules J4, J7, J12, M6, M10, C1–C3, P3)
        insurer = rng.choices(gen.insurers, gen.insurer_weights)[0]
        wrong_usage = operating and profile != "bus" and rng.random() < 0.10  # M6: operating, insured as private
        lapsed = operating and rng.random() < 0.03  # uninsured now: last policies ended recently
        insured_usage = (rng.choice((UsageNature.FAMILY, UsageNature.PERSONAL)) if wrong_usage else v["usage_nature"])
        holder = v["owner_name"]
        holder_token, holder_bidx = _enc(holder), _bidx(holder)  # one policyholder per vehicle
        start_day = today - dt.timedelta(days=rng.randrange(1, 330))
        if lapsed:
            start_day = today - dt.timedelta(days=365 + rng.randrange(1, 40))
        kinds = [PolicyKind.COMPULSORY, PolicyKind.THIRD_PARTY]
        if operating and rng.random() < 0.85:
            kinds.append(PolicyKind.CARRIER_LIABILITY)
        if rng.random() < 0.35:
            kinds.append(PolicyKind.SEAT)
        if rng.random() < (0.45 if operating else 0.65):
            kinds.append(PolicyKind.OWN_DAMAGE)
        for period_start in (start_day, start_day - dt.timedelta(days=365)):
            for kind in kinds:
                if budget <= 0:
                    break
                policies.append(_policy_row(gen, rng, v, vid, insurer, kind, insured_usage, period_start,
                                            holder_token, holder_bidx, operating, now))
                budget -= 1
        # J7: a second compulsory policy from another insurer overlapping the first
        if budget > 0 and rng.random() < 0.02 and len(gen.insurers) > 1:
            other = rng.choice([i for i in gen.insurers if i.pk != insurer.pk])
            policies.append(_policy_row(gen, rng, v, vid, other, PolicyKind.COMPULSORY, insured_usage,
                                        start_day + dt.timedelta(days=rng.randrange(5, 60)), holder_token,
                                        holder_bidx, operating, now))
            budget -= 1
        used += 1

    vehicles = vehicles[:used]
    copy_values(Vehicle, vehicles)
    permit_ids = reserve_ids(OperatingPermit, len(permits))
    copy_values(OperatingPermit, [dict(p, id=i) for p, i in zip(permits, permit_ids, strict=True)])
    driver_ids = reserve_ids(Driver, len(drivers))
    assignments = [{"driver_id": did, "vehicle_id": d["_vehicle"], "started_on": d["_since"], "ended_on": None,
                    "created_at": now} for did, d in zip(driver_ids, drivers, strict=True)]
    copy_values(Driver, [{k: val for k, val in d.items() if not k.startswith("_")} | {"id": did}
                         for did, d in zip(driver_ids, drivers, strict=True)])
    assignment_ids = reserve_ids(DriverAssignment, len(assignments))
    copy_values(DriverAssignment, [dict(a, id=i) for a, i in zip(assignments, assignment_ids, strict=True)])
    policy_ids = reserve_ids(Policy, len(policies))
    cover_rows = []
    for pid, p in zip(policy_ids, policies, strict=True):
        p["id"] = pid
        for line in p.pop("_coverages"):
            cover_rows.append(dict(line, policy_id=pid))
    copy_values(Policy, policies)
    cover_ids = reserve_ids(Coverage, len(cover_rows))
    copy_values(Coverage, [dict(c, id=i) for c, i in zip(cover_rows, cover_ids, strict=True)])
    totals["vehicles"] += len(vehicles)
    totals["permits"] += len(permits)
    totals["drivers"] += len(drivers)
    totals["policies"] += len(policies)
    totals["coverages"] += len(cover_rows)
    return plan.chunk


_QUOTES: dict = {}


def _memo(key, fn):
    """Premiums depend on a handful of inputs that recur for every vehicle of a class: compute each once."""
    value = _QUOTES.get(key)
    if value is None:
        value = _QUOTES[key] = fn()
    return value


def _policy_row(gen, rng, v, vid, insurer, kind, usage, start_day, holder_token, holder_bidx, operating,
                now) -> dict:
    gen.policy_seq += 1
    starts_at = _at(start_day)
    ends_at = _at(start_day + dt.timedelta(days=365))
    status = Policy.Status.EXPIRED if ends_at <= now else Policy.Status.ACTIVE
    seats = v["seats"]
    lines: list[dict] = []
    operating_insured = usage in (UsageNature.RIDE_HAILING, UsageNature.CRUISING_TAXI, UsageNature.HIGHWAY_PASSENGER)
    if kind == PolicyKind.COMPULSORY:
        usage_class = "operating_taxi" if operating_insured else "family"
        history = (rng.choice((1, 2, 3, 3)), rng.choice((0, 0, 0, 0, 1, 2)))
        premium = _memo(("compulsory", usage_class, min(seats, 10), history), lambda: premiums.compulsory_float_notice(
            base_premium=premiums.compulsory_base_premium(usage_class=usage_class, seats=min(seats, 10)),
            claim_free_years=history[0], at_fault_accidents_last_year=history[1]).premium)
        lines.append({"kind": "compulsory", "limit": Decimal("200000.00"), "per_seat_limit": None, "seats": None})
    elif kind == PolicyKind.THIRD_PARTY:
        limit = Decimal(rng.choice((500000, 1000000, 1000000, 1500000, 2000000) if operating else
                                   (500000, 1000000, 1500000, 2000000, 3000000)))
        premium = Generator.yuan(limit * Decimal("0.0028" if operating_insured else "0.0011") * Decimal(
            rng.choice(("0.85", "1", "1.1"))))
        lines.append({"kind": "third_party", "limit": limit, "per_seat_limit": None, "seats": None})
    elif kind == PolicyKind.CARRIER_LIABILITY:
        per_seat = Decimal(rng.choice((300000, 400000, 400000, 500000, 500000, 600000)))
        factor = rng.choice(("0.9", "1.0", "1.2"))
        quote = _memo(("carrier", per_seat, seats, factor), lambda: premiums.carrier_liability_quote(
            per_seat_limit=per_seat, base_rate_percent="0.06", seats=seats, factors=[factor]))
        premium = quote.total_premium
        lines.append({"kind": "carrier_liability", "limit": quote.per_accident_limit, "per_seat_limit": per_seat,
                      "seats": quote.passenger_seats})
    elif kind == PolicyKind.SEAT:
        per_seat = Decimal(rng.choice((10000, 20000, 50000, 100000, 200000)))
        premium = _memo(("seat", seats, per_seat), lambda: premiums.seat_cover_premium(
            seats=seats, per_seat_limit=per_seat, rate_percent="0.4"))
        lines.append({"kind": "seat", "limit": per_seat * seats, "per_seat_limit": per_seat, "seats": seats})
    else:
        value = Decimal(rng.randrange(60, 260) * 1000)
        premium = Generator.yuan(value * Decimal("0.029" if operating_insured else "0.012"))
        lines.append({"kind": "own_damage", "limit": value, "per_seat_limit": None, "seats": None})
    codes = {PolicyKind.COMPULSORY: "Z", PolicyKind.THIRD_PARTY: "A", PolicyKind.CARRIER_LIABILITY: "C",
             PolicyKind.SEAT: "S", PolicyKind.OWN_DAMAGE: "D"}
    number = f"P{codes[kind]}{insurer.pk:03d}{start_day:%Y}4502{gen.policy_seq:010d}"
    row = {
        "insurer_id": insurer.pk, "number": number, "kind": kind, "vehicle_id": vid, "usage_nature_insured": usage,
        "policyholder_name": holder_token, "policyholder_name_bidx": holder_bidx, "starts_at": starts_at,
        "ends_at": ends_at, "premium": premium, "status": status, "rescinded_at": None, "cancelled_at": None,
        "created_at": now, "updated_at": now, "_coverages": lines,
    }
    return row
