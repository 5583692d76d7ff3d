"""The ride-hailing data API (docs/ridehailing.md): ``/api/v1/ridehailing/<interface>`` takes a JSON array of
records in the interface's own field names (POST, API key of a feed's system account) and lists what is kept
(GET, in the same field names, personal fields masked); deliveries and the per-vehicle-per-day aggregate are
read-only lists. Querysets come from the access module; writes from the service."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import Pagination
from apps.parties import rights
from apps.parties.scoping import ScopedReadOnlyViewSet

from .. import selectors, services
from ..interfaces import FIELDS, parse_date
from ..models import BASE_INTERFACES, Delivery, DeliveryRecord, Interface, VehicleDay

_VIEW = {
    Interface.COMPANY: "ridehailing.view_companyversion", Interface.VEHICLE: "ridehailing.view_vehicleversion",
    Interface.VEHICLE_INSURANCE: "ridehailing.view_vehicleinsuranceversion",
    Interface.DRIVER: "ridehailing.view_driverversion",
}


class RecordResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    outcome = serializers.CharField()
    CompanyId = serializers.CharField()  # noqa: N815 - the interface's field name
    key = serializers.CharField()
    errors = serializers.ListField(child=serializers.DictField())
    ignored = serializers.ListField(child=serializers.CharField())


class DeliveryResultSerializer(serializers.Serializer):
    number = serializers.CharField()
    interface = serializers.CharField()
    total = serializers.IntegerField()
    stored = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    superseded = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = RecordResultSerializer(many=True)


class InterfaceRecordPageSerializer(serializers.Serializer):
    """A page of kept records, each in its interface's field names (personal fields masked)."""

    count = serializers.IntegerField()
    count_bounded = serializers.BooleanField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = serializers.ListField(child=serializers.DictField())


class InterfaceRecordsView(APIView):
    """POST a JSON array of records of one interface; GET the current records (base) or a day's events."""

    permission_classes = [IsAuthenticated]

    def _interface(self) -> str:
        name = self.kwargs["interface"]
        if name not in FIELDS:
            raise Http404
        return name

    @extend_schema(request={"application/json": {"type": "array", "items": {"type": "object"}}},
                   responses={200: DeliveryResultSerializer}, operation_id="ridehailing_post")
    def post(self, request, interface: str):
        name = self._interface()
        feed = services.feed_for(request.user)
        delivery, results = services.ingest(feed=feed, interface=name, records=request.data, actor=request.user)
        body = {"number": delivery.number, "interface": name, "total": delivery.total, "stored": delivery.stored,
                "unchanged": delivery.unchanged, "superseded": delivery.superseded, "rejected": delivery.rejected,
                "results": results}
        return Response(body, status=status.HTTP_200_OK)

    @extend_schema(parameters=[
        OpenApiParameter("day", OpenApiTypes.STR, description="YYYYMMDD（经营数据必填）"),
        OpenApiParameter("CompanyId", OpenApiTypes.STR), OpenApiParameter("VehicleNo", OpenApiTypes.STR),
        OpenApiParameter("deleted", OpenApiTypes.BOOL, description="含已删除（Flag 3）的记录"),
    ], responses={200: InterfaceRecordPageSerializer}, operation_id="ridehailing_list")
    def get(self, request, interface: str):
        name = self._interface()
        paginator = Pagination()
        if name in BASE_INTERFACES:
            rights.require(request.user, _VIEW[name])
            qs = selectors.current_records(
                request.user, name, include_deleted=request.query_params.get("deleted") in ("1", "true"),
                company_code=request.query_params.get("CompanyId", ""))
            page = paginator.paginate_queryset(qs, request, view=self)
            return paginator.get_paginated_response([selectors.as_interface(name, v) for v in page])
        rights.require(request.user, "ridehailing.view_operatingrecord")
        try:
            day = parse_date(request.query_params.get("day", ""))
        except Exception:  # noqa: BLE001 - FieldError of a bad or missing day
            raise ValidationError({"day": [_("请以 YYYYMMDD 格式给出日期 day。")]}) from None
        qs = selectors.operating_records(request.user, name, day, vehicle_no=request.query_params.get("VehicleNo", ""))
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([selectors.as_interface_operating(r) for r in page])


class DeliverySerializer(serializers.ModelSerializer):
    feed = serializers.CharField(source="feed.name")

    class Meta:
        model = Delivery
        fields = ["number", "feed", "interface", "source", "file_name", "received_at", "total", "stored",
                  "unchanged", "superseded", "rejected"]


class DeliveryRecordSerializer(serializers.ModelSerializer):
    CompanyId = serializers.CharField(source="company_code")  # noqa: N815 - the interface's field name
    errors = serializers.SerializerMethodField()

    class Meta:
        model = DeliveryRecord
        fields = ["index", "outcome", "CompanyId", "key", "errors", "ignored"]

    def get_errors(self, obj) -> list[dict]:
        return selectors.errors_shown(obj.errors)


class DeliveryViewSet(ScopedReadOnlyViewSet):
    """Deliveries (requests and imported files); ``records/`` lists the result of each record (every base record;
    the rejected and repeated operating records), messages in the reader's language."""

    queryset = Delivery.objects.select_related("feed")
    serializer_class = DeliverySerializer
    lookup_field = "number"

    @extend_schema(responses={200: DeliveryRecordSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="records")
    def records(self, request, number=None):
        delivery = self.get_object()
        qs = delivery.records.order_by("index")
        if request.query_params.get("outcome"):
            qs = qs.filter(outcome=request.query_params["outcome"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(DeliveryRecordSerializer(page, many=True).data)


class VehicleDaySerializer(serializers.ModelSerializer):
    CompanyId = serializers.CharField(source="company.company_id")  # noqa: N815
    VehicleNo = serializers.CharField(source="vehicle_no")  # noqa: N815
    day = serializers.SerializerMethodField()

    class Meta:
        model = VehicleDay
        fields = ["CompanyId", "VehicleNo", "day", "trips", "passenger_km", "first_seen", "last_seen", "areas",
                  "records"]

    def get_day(self, obj) -> str:
        return obj.day.strftime("%Y%m%d")


class VehicleDayViewSet(ScopedReadOnlyViewSet):
    """Per vehicle and day: orders, passenger kilometres, first and last seen, pick-up areas."""

    queryset = VehicleDay.objects.select_related("company")
    serializer_class = VehicleDaySerializer

    def filter_queryset(self, queryset):
        qs = super().filter_queryset(queryset)
        params = self.request.query_params
        if params.get("VehicleNo"):
            qs = qs.filter(vehicle_no=params["VehicleNo"])
        for key, lookup in (("from", "day__gte"), ("to", "day__lte")):
            if params.get(key):
                try:
                    qs = qs.filter(**{lookup: parse_date(params[key])})
                except Exception:  # noqa: BLE001
                    raise ValidationError({key: [_("请以 YYYYMMDD 格式给出日期。")]}) from None
        return qs


