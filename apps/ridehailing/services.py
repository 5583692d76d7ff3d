"""Ingest of ride-hailing supervision data (docs/ridehailing.md): one service for the API and the file import.

``ingest(feed=, interface=, records=, actor=)`` parses every record, stores the valid ones and reports every
invalid one, in **one transaction per delivery**: the valid records of a delivery are stored together with the
delivery and its per-record results, an invalid record is reported and stores nothing, and an unexpected failure
stores nothing at all (the delivery can be sent again: redelivery is idempotent).

* Base records (A.4) are versions. A record identical to a stored version (same fields, same ``UpdateTime``) is
  ``unchanged`` (a no-op); one with an ``UpdateTime`` older than the current version is kept as a ``superseded``
  version and does not overwrite it; otherwise it becomes the current version (``Flag`` 3: marked deleted).
* Operating records (A.6) are events: stored raw in the day-partitioned table once (a redelivered event is
  ``duplicate``), then the per-vehicle-per-day aggregate of the touched vehicles and days is recomputed in one
  set-based statement.
* Scope: a platform company's feed posts only the records of its own ``CompanyId`` (registered in
  ``PlatformCompany``); the city's feed (the national platform's forward) posts for every registered company.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from apps.core.audit import audit_record
from apps.core.crypto import _derive, blind_index, encrypt, mask_id_no
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.notifications import Text
from apps.imports.copy import copy_insert
from apps.parties import rights
from apps.parties.models import Organization, OrganizationKind
from apps.parties.rights import SystemActor
from apps.ridehailing.errors import ErrorCode

from . import partitions
from .interfaces import BEIJING, EVENT_TIME, FIELDS, Parsed, parse_many
from .models import (
    OPERATING_INTERFACES,
    CompanyVersion,
    Delivery,
    DeliveryRecord,
    DriverVersion,
    Feed,
    Interface,
    Outcome,
    PlatformCompany,
    VehicleInsuranceVersion,
    VehicleVersion,
)

POST = "ridehailing.add_delivery"

MODELS = {
    Interface.COMPANY: CompanyVersion, Interface.VEHICLE: VehicleVersion,
    Interface.VEHICLE_INSURANCE: VehicleInsuranceVersion, Interface.DRIVER: DriverVersion,
}
# typed columns of each version model: interface field → model field
COLUMNS = {
    Interface.COMPANY: {"Identifier": "identifier"},
    Interface.VEHICLE: {"VehicleNo": "vehicle_no", "VIN": "vin", "Certificate": "certificate",
                        "TransDateStart": "trans_date_start", "TransDateStop": "trans_date_stop"},
    Interface.VEHICLE_INSURANCE: {"VehicleNo": "vehicle_no", "InsurNum": "insur_num", "InsurEff": "insur_eff",
                                  "InsurExp": "insur_exp"},
    Interface.DRIVER: {"CertificateNo": "certificate_no"},
}


def max_records() -> int:
    return int(getattr(settings, "RIDEHAILING_MAX_RECORDS", 5000))


def _record_key(interface: str, p: Parsed) -> str:
    """What identifies a base record within its company (never personal data in clear)."""
    v = p.values
    if interface == Interface.COMPANY:
        return v["CompanyId"]
    if interface == Interface.VEHICLE:
        return v["VehicleNo"]
    if interface == Interface.VEHICLE_INSURANCE:
        return f"{v['VehicleNo']}|{v['InsurNum']}"
    return blind_index(p.personal["license_id"])


def _shown_key(interface: str, p: Parsed) -> str:
    """The record as the results list names it: plate, order or company; a driver by the masked licence."""

    v = p.values
    if interface == Interface.DRIVER:
        return mask_id_no(p.personal.get("license_id", ""))
    if "OrderId" in v:
        return v["OrderId"]
    if "VehicleNo" in v:
        return v["VehicleNo"] + (f" {v['InsurNum']}" if "InsurNum" in v else "")
    return v.get("CompanyId", "")


def _digest(p: Parsed) -> str:
    """HMAC (keyed like the blind indexes) of the canonical record, personal fields included: redelivery of the same
    record is recognised without a guessable hash of personal data."""
    canonical = json.dumps({"v": p.values, "p": p.personal}, sort_keys=True, ensure_ascii=False)
    key = _derive(settings.BLIND_INDEX_KEY, b"lz ridehailing record")
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def feed_for(actor) -> Feed:
    """The feed an API client posts as: its system account's feed."""
    feed = Feed.objects.select_related("organization").filter(account_id=getattr(actor, "pk", None)).first()
    if feed is None:
        raise PermissionDeniedError(_("该账号未登记为网约车数据接入方。"), code=ErrorCode.NOT_A_FEED)
    return feed


def _check_actor(actor, feed: Feed) -> None:
    rights.require(actor, POST, _("您无权报送网约车监管数据。"))
    if isinstance(actor, SystemActor):
        allowed = actor.organization is not None and actor.organization.pk == feed.organization_id
    else:
        allowed = actor.pk == feed.account_id
    if not allowed:
        raise PermissionDeniedError(_("只能以本接入方的系统账号报送。"), code=ErrorCode.NOT_THIS_FEED)
    if not feed.is_active:
        raise PermissionDeniedError(_("该接入方已停用。"), code=ErrorCode.FEED_INACTIVE)


def _companies(feed: Feed, interface: str, parsed: list[Parsed]) -> dict[str, PlatformCompany]:
    """CompanyId → PlatformCompany for the records of the delivery. The city feed's baseInfoCompany registers a
    CompanyId not known yet when its Identifier is a registered taxi company's unified social credit code."""
    codes = {p.values["CompanyId"] for p in parsed if not p.errors}
    known = {c.company_id: c for c in PlatformCompany.objects.filter(company_id__in=codes)}
    if feed.kind == Feed.Kind.CITY and interface == Interface.COMPANY:
        wanted = {p.values["CompanyId"]: p.values["Identifier"] for p in parsed
                  if not p.errors and p.values["CompanyId"] not in known}
        orgs = {o.uscc: o for o in Organization.objects.filter(
            uscc__in=set(wanted.values()), kind=OrganizationKind.TAXI_COMPANY)}
        for code, uscc in wanted.items():
            if uscc in orgs:
                known[code], _created = PlatformCompany.objects.get_or_create(
                    company_id=code, defaults={"organization": orgs[uscc]})
    return known


def _scope_errors(feed: Feed, p: Parsed, companies: dict[str, PlatformCompany]) -> None:
    code = p.values["CompanyId"]
    company = companies.get(code)
    if company is None:
        p.error("CompanyId", "unknown_company", Text(N_("公司标识 %(code)s 未登记：请先由平台登记该网约车平台公司。"), **{
            "code": code}))
    elif feed.kind == Feed.Kind.COMPANY and company.organization_id != feed.organization_id:
        p.error("CompanyId", "other_company", Text(N_("公司标识 %(code)s 不属于本接入方：平台公司只能报送本公司的数据。"), **{
            "code": code}))


def _number(now: dt.datetime) -> str:
    # eight random hex digits after the second: a feed may send many deliveries in one second, and with four two
    # of them now and then drew the same number (a unique violation: the delivery refused as a whole)
    return f"RH{now.astimezone(BEIJING):%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"


def ingest(*, feed: Feed, interface: str, records, actor, source: str = Delivery.Source.API,
           file_name: str = "") -> tuple[Delivery, list[dict]]:
    """Store one delivery; returns it and the result of every record
    ``{"index", "outcome", "key", "CompanyId", "errors", "ignored"}``."""
    _check_actor(actor, feed)
    if interface not in FIELDS:
        raise ApplicationError(_("不支持的接口 %(name)s。") % {"name": interface}, code=ErrorCode.UNKNOWN_INTERFACE)
    if not isinstance(records, list):
        raise ApplicationError(_("请求体应为记录的 JSON 数组。"), code=ErrorCode.NOT_A_LIST)
    if len(records) > max_records():
        raise ApplicationError(_("一次最多报送 %(max)d 条记录，本次 %(n)d 条。") % {
            "max": max_records(), "n": len(records)}, code=ErrorCode.TOO_MANY_RECORDS)
    now = timezone.now()
    parsed = parse_many(interface, records, now=now)
    operating = interface in OPERATING_INTERFACES
    if operating:
        cutoff = partitions.oldest_kept_day(now.astimezone(BEIJING).date())
        for p in parsed:
            at = p.typed.get(EVENT_TIME[interface])
            if at is not None and at.astimezone(BEIJING).date() < cutoff:
                p.error(EVENT_TIME[interface], "before_retention", Text(N_(
                    "%(field)s 早于经营数据保留期限（%(cutoff)s 之前的数据不再保存）。"),
                    field=EVENT_TIME[interface], cutoff=cutoff.isoformat()))
        days = {p.typed[EVENT_TIME[interface]].astimezone(BEIJING).date() for p in parsed if not p.errors}
        partitions.ensure(days)  # own short transaction: a new partition does not hold the delivery's locks
    with transaction.atomic():
        companies = _companies(feed, interface, parsed)
        for p in parsed:
            if not p.errors:
                _scope_errors(feed, p, companies)
        delivery = Delivery.objects.create(
            number=_number(now), feed=feed, interface=interface, source=source, file_name=file_name[:200],
            received_at=now, total=len(parsed))
        # the results but their outcomes are made before the records are stored (an operating delivery stores
        # under its company's lock: what can be done before it lets another delivery's statements run meanwhile)
        results = []
        for index, p in enumerate(parsed):
            code = p.values.get("CompanyId") or (str(records[index].get("CompanyId", ""))[:64]
                                                 if isinstance(records[index], dict) else "")
            results.append({"index": index, "outcome": None, "CompanyId": code, "key": _shown_key(interface, p),
                            "errors": [{k: v for k, v in e.items() if k != "msg"} for e in p.errors]
                            if p.errors else [],
                            "ignored": p.ignored})
        if operating:
            outcomes = _store_operating(delivery, interface, parsed, companies, now)
        else:
            outcomes = _store_base(delivery, interface, parsed, companies, now)
        rows = []
        for p, outcome, result in zip(parsed, outcomes, results, strict=True):
            result["outcome"] = outcome
            if not (operating and outcome == Outcome.STORED):
                rows.append(DeliveryRecord(delivery=delivery, index=result["index"], outcome=outcome,
                                           company_code=result["CompanyId"], key=result["key"][:120],
                                           errors=p.errors, ignored=p.ignored))
        copy_insert(DeliveryRecord, rows)  # one COPY, whatever the number of records
        counts = {o: 0 for o in Outcome.values}
        for r in results:
            counts[r["outcome"]] += 1
        delivery.stored = (counts[Outcome.ADDED] + counts[Outcome.UPDATED] + counts[Outcome.DELETED]
                           + counts[Outcome.STORED])
        delivery.unchanged = counts[Outcome.UNCHANGED] + counts[Outcome.DUPLICATE]
        delivery.superseded = counts[Outcome.SUPERSEDED]
        delivery.rejected = counts[Outcome.REJECTED]
        delivery.save(update_fields=["stored", "unchanged", "superseded", "rejected"])
        audit_record(actor=actor, action="ridehailing.ingest", obj=delivery, organization=feed.organization,
                     detail={"interface": interface, "total": delivery.total, "stored": delivery.stored,
                             "rejected": delivery.rejected})
    return delivery, results


def _lock(interface: str, company_pks) -> None:
    with connection.cursor() as cursor:
        for pk in sorted(set(company_pks)):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"ridehailing.{interface}.{pk}"])


def _store_base(delivery, interface, parsed, companies, now) -> list[str]:
    model = MODELS[interface]
    columns = COLUMNS[interface]
    outcomes = [Outcome.REJECTED] * len(parsed)
    valid = [(i, p) for i, p in enumerate(parsed) if not p.errors]
    if not valid:
        return outcomes
    company_of = {i: companies[p.values["CompanyId"]] for i, p in valid}
    _lock(interface, [c.pk for c in company_of.values()])
    keys = {i: _record_key(interface, p) for i, p in valid}
    digests = {i: _digest(p) for i, p in valid}
    company_pks = {c.pk for c in company_of.values()}
    key_set = set(keys.values())
    seen = set(model.objects.filter(company_id__in=company_pks, record_key__in=key_set,
                                    digest__in=set(digests.values()))
               .values_list("company_id", "record_key", "digest"))
    current = {(c, k): {"pk": pk, "update_time": u, "deleted": d, "obj": None}
               for pk, c, k, u, d in model.objects.filter(company_id__in=company_pks, record_key__in=key_set,
                                                           is_current=True)
               .values_list("pk", "company_id", "record_key", "update_time", "deleted")}
    retire: list[int] = []
    new = []
    for i, p in valid:
        company = company_of[i]
        ident = (company.pk, keys[i])
        if (company.pk, keys[i], digests[i]) in seen:
            outcomes[i] = Outcome.UNCHANGED
            continue
        seen.add((company.pk, keys[i], digests[i]))
        update_time = p.typed["UpdateTime"]
        flag = p.values["Flag"]
        cur = current.get(ident)
        obj = model(
            company=company, record_key=keys[i], flag=flag, update_time=update_time, state=p.values.get("State"),
            deleted=flag == 3, digest=digests[i], data=p.values, feed=delivery.feed, delivery=delivery,
            received_at=now, **{col: p.typed.get(name) if name in p.typed else _blank(model, col)
                                for name, col in columns.items()},
            **{name: value for name, value in p.personal.items()},
        )
        if cur is not None and update_time < cur["update_time"]:
            obj.is_current = False
            outcomes[i] = Outcome.SUPERSEDED
        else:
            if flag == 3:
                outcomes[i] = Outcome.DELETED
            else:  # a record deleted before and sent again is added anew
                outcomes[i] = Outcome.ADDED if cur is None or cur["deleted"] else Outcome.UPDATED
            if cur is not None:
                if cur["obj"] is not None:
                    cur["obj"].is_current = False
                else:
                    retire.append(cur["pk"])
            current[ident] = {"pk": None, "update_time": update_time, "deleted": flag == 3, "obj": obj}
        new.append(obj)
    if retire:
        model.objects.filter(pk__in=retire).update(is_current=False)
    model.objects.bulk_create(new, batch_size=500)
    return outcomes


def _blank(model, column: str):
    field = model._meta.get_field(column)
    return None if field.null else ""


_LON = {Interface.LOGIN: "Longitude", Interface.LOGOUT: "Longitude", Interface.DEPART: "DepLongitude",
        Interface.ARRIVE: "DestLongitude", Interface.PAY: "DepLongitude"}


def _store_operating(delivery, interface, parsed, companies, now) -> list[str]:
    """Set-based, a fixed number of statements per delivery: the accepted records are copied into the staging
    table, inserted by one statement (a record already stored is ``duplicate``), and the touched vehicle-days
    updated by the delivery's delta (``partitions``)."""
    outcomes = [Outcome.REJECTED] * len(parsed)
    time_field = EVENT_TIME[interface]
    lon = _LON[interface]
    lat = lon.replace("Longitude", "Latitude")
    plates = interface in (Interface.LOGIN, Interface.LOGOUT)
    index_of: dict[tuple, list[int]] = {}
    # a licence is encrypted once per delivery (a driver's records share its token; the blind index already shows
    # that they are the same licence)
    tokens: dict[str, tuple[str, str]] = {"": ("", "")}
    # one encoder for the delivery (json.dumps(…, ensure_ascii=False) builds a new one for every record)
    dumps = json.JSONEncoder(ensure_ascii=False).encode

    def staged_rows():
        """The rows to stage, made while the COPY streams them: the database reads each batch of rows while the
        next ones are made (encrypted, serialised)."""
        for i, p in enumerate(parsed):
            if p.errors:
                continue
            v = p.values
            company = companies[v["CompanyId"]].pk
            at = p.typed[time_field]
            day = at.astimezone(BEIJING).date()
            licence = p.personal.get("license_id", "")
            token = tokens.get(licence)
            if token is None:
                token = tokens[licence] = (encrypt(licence), blind_index(licence))
            dedup = f"{v['VehicleNo']}|{token[1]}|{v[time_field]}" if plates else v["OrderId"]
            ident = (company, dedup, day)
            indexes = index_of.get(ident)
            if indexes is not None:
                indexes.append(i)
                continue
            index_of[ident] = [i]
            yield (
                day, company, dedup, v.get("VehicleNo", ""), v.get("OrderId", ""), token[0], token[1], at,
                v.get(lon), v.get(lat), v.get("Encrypt"), p.typed.get("DriveMile"), v.get("DriveTime"),
                p.typed.get("FactPrice"), v.get("OnArea", ""), dumps(v),
            )

    if all(p.errors for p in parsed):
        return outcomes
    # the staging table is the session's own: filled before the company's lock is taken
    partitions.stage()
    partitions.copy_staged(staged_rows())
    _lock("operating", {ident[0] for ident in index_of})
    stored_before = partitions.insert_staged(interface=interface, feed_id=delivery.feed_id, delivery_id=delivery.pk,
                                             received_at=now)
    for ident, indexes in index_of.items():
        first, *rest = indexes
        outcomes[first] = Outcome.DUPLICATE if ident in stored_before else Outcome.STORED
        for i in rest:
            outcomes[i] = Outcome.DUPLICATE
    if len(stored_before) < len(index_of):
        partitions.update_vehicle_days(interface=interface, with_orders=not plates)
    return outcomes


# --- registering feeds and companies ---------------------------------------------------------------------------


@transaction.atomic
def feed_create(*, name: str, kind: str, account, actor) -> Feed:
    """Connect a feed: ``account`` is a system account (``User.is_system``) whose API key will post. A company feed
    belongs to the account's taxi company; the city feed to transport, which receives the national forward."""
    rights.require(actor, "ridehailing.add_feed", _("只有平台管理员可以登记网约车数据接入方。"))
    org = account.organization
    expected = OrganizationKind.TAXI_COMPANY if kind == Feed.Kind.COMPANY else OrganizationKind.TRANSPORT
    if not account.is_system or org is None or org.kind != expected:
        raise ApplicationError(_("平台公司直连须使用该企业的系统账号；部级平台转发须使用交通运输局的系统账号。"),
                               code=ErrorCode.FEED_ACCOUNT)
    feed = Feed.objects.create(name=name, kind=kind, organization=org, account=account)
    audit_record(actor=actor, action="ridehailing.feed_create", obj=feed, organization=org, detail={"kind": kind})
    return feed


@transaction.atomic
def company_register(*, company_id: str, organization, actor) -> PlatformCompany:
    rights.require(actor, "ridehailing.add_platformcompany", _("只有平台管理员可以登记网约车平台公司标识。"))
    if organization.kind != OrganizationKind.TAXI_COMPANY:
        raise ApplicationError(_("公司标识只能登记给出租汽车企业/平台。"), code=ErrorCode.NOT_A_COMPANY)
    code = (company_id or "").strip()
    if not code or len(code) > 32:
        raise ApplicationError(_("公司标识应为 1 至 32 个字符。"), code=ErrorCode.COMPANY_ID_INVALID)
    company, _created = PlatformCompany.objects.get_or_create(company_id=code, defaults={"organization": organization})
    if company.organization_id != organization.pk:
        raise ApplicationError(_("公司标识 %(code)s 已登记给其他单位。") % {"code": code}, code=ErrorCode.COMPANY_ID_TAKEN)
    audit_record(actor=actor, action="ridehailing.company_register", obj=company, organization=organization)
    return company


def retention_sweep(*, actor, today: dt.date | None = None) -> list[str]:
    """Drop the raw partitions older than the retention setting (refuses a setting below 6 months)."""
    rights.require(actor, "ridehailing.delete_operatingrecord", _("只有平台作业可以清理过期的经营数据。"))
    today = today or timezone.now().astimezone(BEIJING).date()
    dropped = partitions.drop_expired(today)
    if dropped:
        audit_record(actor=actor, action="ridehailing.partitions_drop",
                     detail={"partitions": dropped, "retention_days": partitions.retention_days()})
    return dropped
