"""Vehicles, permits, drivers, onboarding checks (thin: validate input, call a service, serialise output).

Querysets come only from the access module (``Scoped*ViewSet``); an object outside the caller's audience is 404.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.core.audit import reveal
from apps.core.crypto import blind_index, mask_id_no, mask_phone
from apps.core.errors import PermissionDeniedError
from apps.core.throttles import personal_data_rate, personal_search
from apps.parties import rights
from apps.parties.models import OrganizationKind
from apps.parties.scoping import ScopedModelViewSet

from .. import services
from ..access import may_reveal_driver, may_reveal_vehicle_owner, may_search_personal
from ..cover import cover
from ..models import Driver, DriverAssignment, OnboardingCheck, OperatingPermit, Vehicle
from ..usage import NON_OPERATING_NATURES, OPERATING_NATURES
from . import serializers as s

_WRITE_METHODS = ["get", "post", "patch", "head", "options"]


def _at_param(request):
    raw = request.query_params.get("at")
    if not raw:
        return timezone.now()
    at = parse_datetime(raw)
    if at is None or timezone.is_naive(at):
        raise DRFValidationError({"at": [_("时间格式应为带时区的 ISO 8601，如 2026-06-01T12:00:00+08:00。")]})
    return at


def _reveal(request, obj, allowed_fields: set[str], entitled: bool):
    body = s.RevealSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    field = body.validated_data["field"]
    if field not in allowed_fields:
        raise DRFValidationError({"field": [_("可查看的字段：%(f)s。") % {"f": "、".join(sorted(allowed_fields))}]})
    if not entitled:
        raise PermissionDenied(_("您无权查看该个人信息明文。"))
    personal_data_rate(request)
    value = reveal(actor=request.user, obj=obj, field=field, reason=body.validated_data.get("reason", ""))
    return Response({"field": field, "value": value})


# --- vehicles ----------------------------------------------------------------------------------------------------


class VehicleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="号牌或 VIN（包含）")
    plate = django_filters.CharFilter(method="filter_plate")
    vin = django_filters.CharFilter(method="filter_vin")
    usage_class = django_filters.ChoiceFilter(
        choices=[("operating", "营运"), ("non_operating", "非营运")], method="filter_usage_class")
    in_scope = django_filters.BooleanFilter(method="filter_in_scope")
    has_valid_permit = django_filters.BooleanFilter(method="filter_permit")
    owner_id_no = django_filters.CharFilter(method="filter_owner_id_no", label="所有人证件号码（精确）")

    class Meta:
        model = Vehicle
        fields = ["company", "usage_nature", "online", "status", "seats"]

    def filter_q(self, qs, name, value):
        value = value.strip().upper()
        return qs.filter(Q(plate__contains=value) | Q(vin__contains=value)) if value else qs

    def filter_plate(self, qs, name, value):
        return qs.filter(plate=value.strip().upper())

    def filter_vin(self, qs, name, value):
        return qs.filter(vin=value.strip().upper())

    def filter_usage_class(self, qs, name, value):
        natures = OPERATING_NATURES if value == "operating" else NON_OPERATING_NATURES
        return qs.filter(usage_nature__in=natures)

    def filter_in_scope(self, qs, name, value):
        return qs.filter(seats__lte=7) if value else qs.filter(seats__gt=7)  # rule M1

    def filter_permit(self, qs, name, value):
        now = timezone.now()
        day = timezone.localdate(now)
        valid = OperatingPermit.objects.filter(valid_from__lte=day, valid_to__gte=day).filter(
            Q(revoked_at__isnull=True) | Q(revoked_at__gt=now))
        q = Q(pk__in=valid.values("vehicle_id"))
        return qs.filter(q) if value else qs.exclude(q)

    def filter_owner_id_no(self, qs, name, value):
        value = value.strip().upper()
        personal_search(self.request, model=Vehicle, field="owner_id_no", label=_("所有人证件号码"), value=value,
                        entitled=may_search_personal(self.request.user), mask=mask_id_no)
        return qs.filter(owner_id_no_bidx=blind_index(value))


class VehicleViewSet(ScopedModelViewSet):
    """Vehicle register. Taxi companies write their own ledger; transport writes any; insurers read the vehicles
    they insure. Personal fields are masked; ``POST …/reveal/`` shows one and audits it."""

    queryset = Vehicle.objects.select_related("company").order_by("plate", "id")
    serializer_class = s.VehicleSerializer
    filterset_class = VehicleFilter
    http_method_names = _WRITE_METHODS

    @extend_schema(request=s.VehicleWriteSerializer, responses={201: s.VehicleSerializer})
    def create(self, request, *args, **kwargs):
        body = s.VehicleWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        vehicle = services.vehicle_create(actor=request.user, **body.validated_data)
        return Response(s.VehicleSerializer(vehicle).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.VehicleWriteSerializer, responses=s.VehicleSerializer)
    def partial_update(self, request, *args, **kwargs):
        vehicle = self.get_object()
        body = s.VehicleWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        vehicle = services.vehicle_update(actor=request.user, vehicle=vehicle, **body.validated_data)
        return Response(s.VehicleSerializer(vehicle).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(parameters=[OpenApiParameter("at", str, description="时点（ISO 8601，默认现在）")],
                   responses=dict)
    @action(detail=True, methods=["get"])
    def verification(self, request, pk=None):
        """How the vehicle is insured at instant ``at`` (rules M6, M10, J7)."""
        vehicle = self.get_object()
        return Response(cover("verification")(request.user, vehicle, _at_param(request)))  # registered by policies

    @extend_schema(request=s.OnlineSerializer, responses=s.VehicleSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def online(self, request, pk=None):
        """Put the vehicle online/offline in the company ledger (needs a recent passing onboarding check, M9)."""
        vehicle = self.get_object()
        body = s.OnlineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        vehicle = services.vehicle_set_online(actor=request.user, vehicle=vehicle, online=body.validated_data["online"])
        return Response(s.VehicleSerializer(vehicle).data)

    @extend_schema(request=s.RevealSerializer, responses=s.RevealResultSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def reveal(self, request, pk=None):
        vehicle = self.get_object()
        return _reveal(request, vehicle, {"owner_name", "owner_id_no"},
                       may_reveal_vehicle_owner(request.user, vehicle))

    @extend_schema(responses=s.OnboardingWorklistItemSerializer(many=True))
    @action(detail=False, methods=["get"], filter_backends=[])
    def worklist(self, request):
        """The company's online vehicles that no longer pass (or soon will not) the onboarding check (M9)."""
        message = _("待处理清单仅供出租汽车企业/平台使用。")
        rights.require(request.user, "vehicles.add_onboardingcheck", message)
        company = request.user.organization  # the worklist is of one's own ledger: an account of no company has none
        if company is None or company.kind != OrganizationKind.TAXI_COMPANY:
            raise PermissionDeniedError(message)
        items = cover("worklist_rows")(company=company, at=_at_param(request))  # verified a page at a time
        page = self.paginate_queryset(items)  # a page like every list of the API (failing vehicles first)
        return self.get_paginated_response(s.OnboardingWorklistItemSerializer(page, many=True).data)


# --- permits -----------------------------------------------------------------------------------------------------


class PermitFilter(django_filters.FilterSet):
    plate = django_filters.CharFilter(field_name="vehicle__plate")
    valid_on = django_filters.DateFilter(method="filter_valid_on", label="在该日有效")

    class Meta:
        model = OperatingPermit
        fields = ["vehicle", "kind", "number"]

    def filter_valid_on(self, qs, name, value):
        return qs.filter(valid_from__lte=value, valid_to__gte=value).filter(
            Q(revoked_at__isnull=True) | Q(revoked_at__date__gt=value))


class PermitViewSet(ScopedModelViewSet):
    """Operating permits (网络预约出租汽车运输证 / 巡游出租汽车运输证); transport writes them."""

    queryset = OperatingPermit.objects.select_related("vehicle").order_by("-valid_to", "id")
    serializer_class = s.PermitSerializer
    filterset_class = PermitFilter
    http_method_names = _WRITE_METHODS

    @extend_schema(request=s.PermitWriteSerializer, responses={201: s.PermitSerializer})
    def create(self, request, *args, **kwargs):
        body = s.PermitWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        permit = services.permit_create(actor=request.user, **body.validated_data)
        return Response(s.PermitSerializer(permit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PermitWriteSerializer, responses=s.PermitSerializer)
    def partial_update(self, request, *args, **kwargs):
        permit = self.get_object()
        body = s.PermitWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("number", None)  # the number is the permit's identity
        permit = services.permit_update(actor=request.user, permit=permit, **data)
        return Response(s.PermitSerializer(permit).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=s.PermitRevokeSerializer, responses=s.PermitSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def revoke(self, request, pk=None):
        permit = self.get_object()
        body = s.PermitRevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        permit = services.permit_revoke(actor=request.user, permit=permit, reason=body.validated_data.get("reason", ""))
        return Response(s.PermitSerializer(permit).data)


# --- drivers -----------------------------------------------------------------------------------------------------


class DriverFilter(django_filters.FilterSet):
    id_no = django_filters.CharFilter(method="filter_id_no", label="身份证号码（精确）")
    phone = django_filters.CharFilter(method="filter_phone", label="联系电话（精确）")
    plate = django_filters.CharFilter(method="filter_plate", label="驾驶车辆号牌")

    class Meta:
        model = Driver
        fields = ["company", "qualification_no"]

    def filter_id_no(self, qs, name, value):
        value = value.strip().upper()
        personal_search(self.request, model=Driver, field="id_no", label=_("身份证号码"), value=value,
                        entitled=may_search_personal(self.request.user), mask=mask_id_no)
        return qs.filter(id_no_bidx=blind_index(value))

    def filter_phone(self, qs, name, value):
        value = value.strip()
        personal_search(self.request, model=Driver, field="phone", label=_("联系电话"), value=value,
                        entitled=may_search_personal(self.request.user), mask=mask_phone)
        return qs.filter(phone_bidx=blind_index(value))

    def filter_plate(self, qs, name, value):
        return qs.filter(assignments__vehicle__plate=value.strip().upper(), assignments__ended_on__isnull=True)


class DriverViewSet(ScopedModelViewSet):
    """Drivers of the taxi companies. Name, ID number, phone and licence number are masked; ``POST …/reveal/``
    shows one to the owning company, transport or the regulator, and audits it."""

    queryset = Driver.objects.select_related("company").prefetch_related(
        Prefetch("assignments", queryset=DriverAssignment.objects.select_related("vehicle"))).order_by("-created_at",
                                                                                                       "id")
    serializer_class = s.DriverSerializer
    filterset_class = DriverFilter
    http_method_names = _WRITE_METHODS

    @extend_schema(request=s.DriverWriteSerializer, responses={201: s.DriverSerializer})
    def create(self, request, *args, **kwargs):
        body = s.DriverWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        driver = services.driver_create(actor=request.user, **body.validated_data)
        return Response(s.DriverSerializer(driver).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DriverWriteSerializer, responses=s.DriverSerializer)
    def partial_update(self, request, *args, **kwargs):
        driver = self.get_object()
        body = s.DriverWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        driver = services.driver_update(actor=request.user, driver=driver, **body.validated_data)
        return Response(s.DriverSerializer(driver).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=s.RevealSerializer, responses=s.RevealResultSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def reveal(self, request, pk=None):
        driver = self.get_object()
        return _reveal(request, driver, {"name", "id_no", "phone", "licence_no"},
                       may_reveal_driver(request.user, driver))


# --- onboarding checks (rule M9) ---------------------------------------------------------------------------------


class OnboardingCheckViewSet(ScopedModelViewSet):
    """``POST`` runs a check by plate or VIN and records it; ``POST …/go-online/`` puts the vehicle online on the
    strength of this (passing, recent) check."""

    queryset = OnboardingCheck.objects.select_related("vehicle", "company", "checked_by").order_by("-checked_at",
                                                                                                   "-id")
    serializer_class = s.OnboardingCheckSerializer
    filterset_fields = ["vehicle", "company", "passed"]
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=s.OnboardingCheckRunSerializer, responses={201: s.OnboardingCheckSerializer})
    def create(self, request, *args, **kwargs):
        body = s.OnboardingCheckRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        check = services.onboarding_check_run(actor=request.user, **body.validated_data)
        return Response(s.OnboardingCheckSerializer(check).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.VehicleSerializer)
    @action(detail=True, methods=["post"], url_path="go-online")
    def go_online(self, request, pk=None):
        check = self.get_object()
        vehicle = services.vehicle_set_online(actor=request.user, vehicle=check.vehicle, online=True)
        return Response(s.VehicleSerializer(vehicle).data)

