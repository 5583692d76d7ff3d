"""Audience rules for ride-hailing data: transport and the regulator see every company's (rule M2: transport
supervises the platforms, the regulator checks insurance); a taxi company its own CompanyIds' records; the
platform operator the feeds, companies and deliveries it connects (not the records)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.parties.access import audience
from apps.parties.models import OrganizationKind, User

from .models import (
    CompanyVersion,
    Delivery,
    DeliveryRecord,
    DriverVersion,
    Feed,
    OperatingRecord,
    PlatformCompany,
    VehicleDay,
    VehicleInsuranceVersion,
    VehicleVersion,
)

READERS = frozenset({OrganizationKind.TRANSPORT, OrganizationKind.REGULATOR})


def _rule(user: User, qs: QuerySet, org_path: str, *, operator: bool) -> QuerySet:
    if user.kind in READERS or (operator and user.kind == OrganizationKind.PLATFORM):
        return qs
    if user.kind == OrganizationKind.TAXI_COMPANY:
        return qs.filter(**{org_path: user.organization_id})
    return qs.none()


@audience(Feed)
def feeds_visible(user, qs):
    return _rule(user, qs, "organization_id", operator=True)


@audience(PlatformCompany)
def companies_visible(user, qs):
    return _rule(user, qs, "organization_id", operator=True)


@audience(Delivery)
def deliveries_visible(user, qs):
    return _rule(user, qs, "feed__organization_id", operator=True)


@audience(DeliveryRecord)
def delivery_records_visible(user, qs):
    return _rule(user, qs, "delivery__feed__organization_id", operator=True)


def _company_records(user, qs):
    return _rule(user, qs, "company__organization_id", operator=False)


for _model in (CompanyVersion, VehicleVersion, VehicleInsuranceVersion, DriverVersion, VehicleDay):
    audience(_model)(_company_records)


@audience(OperatingRecord)
def operating_visible(user, qs):
    if user.kind in READERS:
        return qs
    if user.kind == OrganizationKind.TAXI_COMPANY:
        ids = list(PlatformCompany.objects.filter(organization_id=user.organization_id).values_list("pk", flat=True))
        return qs.filter(company_id__in=ids)
    return qs.none()
