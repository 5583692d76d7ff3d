"""The vehicle page's one timeline: every app adds its events through ``register_timeline_source``.

A source is ``fn(user, vehicle) -> iterable of TimelineItem``; it must read through the access module
(``access.visible``) so each party sees only its own part of the vehicle's history. Later apps (leads, claims,
rescissions, complaints, credit) register theirs in their AppConfig.ready():

    from apps.vehicles.timeline import TimelineItem, register_timeline_source
    register_timeline_source("claims", claims_on_vehicle_timeline)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.deadlines import SHANGHAI
from apps.core.registry import Registry
from apps.parties import access

from .models import DriverAssignment, OnboardingCheck, OperatingPermit, Vehicle


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime | dt.date
    source: str  # which register ("permit", "policy", "claim" …), for styling and filtering
    title: str
    detail: str = ""
    url: str = ""
    css: str = ""  # "" | ok | warn | bad
    future: bool = False  # a scheduled end (a permit or policy that will expire)

    @property
    def sort_key(self) -> dt.datetime:
        if isinstance(self.at, dt.datetime):
            return self.at
        return dt.datetime.combine(self.at, dt.time(), tzinfo=SHANGHAI)


TimelineSource = Callable[[object, Vehicle], Iterable[TimelineItem]]
VEHICLE_TIMELINE_SOURCES: Registry[TimelineSource] = Registry("vehicle timeline sources")


def register_timeline_source(key: str, fn: TimelineSource) -> TimelineSource:
    return VEHICLE_TIMELINE_SOURCES.register(key, fn)  # another source under a key: DuplicateEntry


def vehicle_timeline(user, vehicle: Vehicle) -> list[TimelineItem]:
    """Everything the user may see about the vehicle, newest first (scheduled expiries on top)."""
    items: list[TimelineItem] = []
    for fn in VEHICLE_TIMELINE_SOURCES.values():
        items.extend(fn(user, vehicle))
    return sorted(items, key=lambda i: i.sort_key, reverse=True)


# --- this app's sources ------------------------------------------------------------------------------------------


def _register(user, vehicle: Vehicle) -> Iterable[TimelineItem]:
    if vehicle.registered_on:
        yield TimelineItem(vehicle.registered_on, "vehicle", _("注册登记"), vehicle.get_usage_nature_display())
    yield TimelineItem(vehicle.created_at, "vehicle", _("录入车辆登记册"))
    if vehicle.online and vehicle.online_since:
        yield TimelineItem(vehicle.online_since, "vehicle", _("在企业台账中上线"),
                           str(vehicle.company) if vehicle.company_id else "", css="ok")


def _permits(user, vehicle: Vehicle) -> Iterable[TimelineItem]:
    today = timezone.localdate()
    for permit in access.visible(user, OperatingPermit.objects.filter(vehicle=vehicle)):
        label = f"{permit.get_kind_display()} {permit.number}"
        yield TimelineItem(permit.valid_from, "permit", _("运输证生效"), label)
        if permit.revoked_at:
            yield TimelineItem(permit.revoked_at, "permit", _("运输证注销/吊销"), label, css="bad")
        yield TimelineItem(permit.valid_to, "permit", _("运输证有效期至"), label,
                           css="bad" if permit.valid_to < today else "", future=permit.valid_to >= today)


def _drivers(user, vehicle: Vehicle) -> Iterable[TimelineItem]:
    for a in access.visible(user, DriverAssignment.objects.filter(vehicle=vehicle)).select_related("driver"):
        yield TimelineItem(a.started_on, "driver", _("驾驶员开始驾驶"), a.driver.name_masked)
        if a.ended_on:
            yield TimelineItem(a.ended_on, "driver", _("驾驶员结束驾驶"), a.driver.name_masked)


def _checks(user, vehicle: Vehicle) -> Iterable[TimelineItem]:
    for check in access.visible(user, OnboardingCheck.objects.filter(vehicle=vehicle)).select_related("company"):
        reasons = "；".join(r.get("message", "") for r in check.reasons)
        yield TimelineItem(check.checked_at, "onboarding",
                           _("上线核查：通过") if check.passed else _("上线核查：不通过"),
                           f"{check.company}" + (f" — {reasons}" if reasons else ""),
                           css="ok" if check.passed else "bad")


def register_sources() -> None:
    register_timeline_source("vehicle", _register)
    register_timeline_source("permits", _permits)
    register_timeline_source("drivers", _drivers)
    register_timeline_source("onboarding", _checks)
