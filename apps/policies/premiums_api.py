"""API of the premium calculators and underwriting checks (``/api/v1/premiums/…``, ``/api/v1/underwriting/…``).

The calculators are pure functions (``premiums.py``); ``quote_*`` turn validated input into the result both the
API and the calculator page show, so the page and the API always agree.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import Pagination
from apps.parties import access

from . import premiums
from .models import Policy
from .underwriting import RULES, FlaggedPaginator, flagged_policies, policy_flags


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def quote_compulsory(data: dict) -> dict:
    """J4 short-term premium (when ``days`` is given) then the J12 float notice on the resulting base."""
    base = data.get("base_premium")
    if base is None:
        base = premiums.compulsory_base_premium(usage_class=data["usage_class"], seats=data["seats"])
    result: dict = {"base_premium": base}
    if data.get("days") and data["days"] < premiums.DAYS_PER_YEAR:
        short = premiums.compulsory_short_term_premium(base_premium=base, days=data["days"])
        result["short_term"] = asdict(short)
        base = short.premium
    history = data.get("history") or "A1"
    kwargs = {"A1": {"claim_free_years": 1}, "A2": {"claim_free_years": 2}, "A3": {"claim_free_years": 3},
              "A4": {"at_fault_accidents_last_year": 1}, "A5": {"at_fault_accidents_last_year": 2},
              "A6": {"at_fault_accidents_last_year": 1, "fatal_at_fault_last_year": True},
              "A0": {"first_insured": True}, "none": {"floats": False}}[history]
    result["float_notice"] = asdict(premiums.compulsory_float_notice(base_premium=base, **kwargs))
    result["premium"] = result["float_notice"]["premium"]
    return result


def quote_carrier(data: dict) -> dict:
    quote = premiums.carrier_liability_quote(
        per_seat_limit=data["per_seat_limit"], base_rate_percent=data["base_rate_percent"], seats=data["seats"],
        crew=data.get("crew") or 1, factors=data.get("factors") or (), crew_rider=data.get("crew_rider", False),
        mental_damage_rider=data.get("mental_damage_rider", False))
    return asdict(quote)


def quote_commercial(data: dict) -> dict:
    return asdict(premiums.commercial_premium(
        base_premium=data["base_premium"], own_pricing=data.get("own_pricing", 1),
        no_claim_discount=data.get("no_claim_discount", 1), violation=data.get("violation", 1)))


MONEY = {"max_digits": 14, "decimal_places": 2}
HISTORY = ["A0", "A1", "A2", "A3", "A4", "A5", "A6", "none"]


class CompulsoryInput(serializers.Serializer):
    base_premium = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    usage_class = serializers.ChoiceField(choices=list(premiums.COMPULSORY_USAGE_CLASSES), required=False)
    seats = serializers.IntegerField(min_value=1, max_value=10, required=False)
    days = serializers.IntegerField(min_value=1, max_value=365, required=False, allow_null=True)
    history = serializers.ChoiceField(choices=HISTORY, default="A1")

    def validate(self, attrs):
        if attrs.get("base_premium") is None and not (attrs.get("usage_class") and attrs.get("seats")):
            raise serializers.ValidationError(_("请填写基础保险费，或填写车辆类别 usage_class 和座位数 seats。"))
        return attrs


class CarrierInput(serializers.Serializer):
    per_seat_limit = serializers.DecimalField(**MONEY)
    base_rate_percent = serializers.DecimalField(max_digits=8, decimal_places=5)
    seats = serializers.IntegerField(min_value=2, max_value=99)
    crew = serializers.IntegerField(min_value=1, max_value=10, default=1)
    factors = serializers.ListField(child=serializers.DecimalField(max_digits=8, decimal_places=4), default=list)
    crew_rider = serializers.BooleanField(default=False)
    mental_damage_rider = serializers.BooleanField(default=False)


class CarrierFleetInput(serializers.Serializer):
    vehicles = CarrierInput(many=True)


class CommercialInput(serializers.Serializer):
    base_premium = serializers.DecimalField(**MONEY)
    own_pricing = serializers.DecimalField(max_digits=6, decimal_places=4, default=Decimal("1"))
    no_claim_discount = serializers.DecimalField(max_digits=6, decimal_places=4, default=Decimal("1"))
    violation = serializers.DecimalField(max_digits=6, decimal_places=4, default=Decimal("1"))


class _Calculator(APIView):
    permission_classes = [permissions.IsAuthenticated]
    input_class = None

    def quote(self, data: dict) -> dict:
        raise NotImplementedError

    def post(self, request):
        body = self.input_class(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(_plain(self.quote(body.validated_data)))


class CompulsoryPremiumApi(_Calculator):
    """Compulsory insurance: short-term premium (J4: < 7 days → base × 7/365, ≥ 7 days → base × n/365, rounded
    half up to whole yuan) and the float notice (J12: base × (1 + float ratio))."""

    input_class = CompulsoryInput

    @extend_schema(request=CompulsoryInput, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        return super().post(request)

    def quote(self, data):
        return quote_compulsory(data)


class CarrierPremiumApi(_Calculator):
    """Carrier liability (C1–C3): one vehicle, or ``{"vehicles": [...]}`` for a fleet (the sum of its vehicles)."""

    input_class = CarrierInput

    @extend_schema(request=CarrierInput, responses=OpenApiTypes.OBJECT,
                   description="One vehicle (below), or {\"vehicles\": [...]} of the same objects for a fleet.")
    def post(self, request):
        if isinstance(request.data, dict) and "vehicles" in request.data:
            body = CarrierFleetInput(data=request.data)
            body.is_valid(raise_exception=True)
            quotes = [premiums.carrier_liability_quote(
                per_seat_limit=v["per_seat_limit"], base_rate_percent=v["base_rate_percent"], seats=v["seats"],
                crew=v["crew"], factors=v["factors"], crew_rider=v["crew_rider"],
                mental_damage_rider=v["mental_damage_rider"]) for v in body.validated_data["vehicles"]]
            return Response(_plain({"vehicles": [asdict(q) for q in quotes],
                                    "fleet_premium": premiums.carrier_fleet_premium(quotes)}))
        return super().post(request)

    def quote(self, data):
        return quote_carrier(data)


class CommercialPremiumApi(_Calculator):
    """Commercial premium (P1): base × own-pricing × no-claim discount × traffic-violation coefficient."""

    input_class = CommercialInput

    @extend_schema(request=CommercialInput, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        return super().post(request)

    def quote(self, data):
        return quote_commercial(data)


class UnderwritingFlagJson(serializers.Serializer):
    """One broken underwriting rule, as the API returns it (documentation for the OpenAPI schema)."""

    code = serializers.CharField()
    rule = serializers.CharField()
    label = serializers.CharField()
    message = serializers.CharField()


def _flags():
    return UnderwritingFlagJson(many=True)


def _flag_json(flag) -> dict:
    return {"code": flag.code, "rule": flag.rule, "label": flag.label, "message": flag.message}


class PolicyUnderwritingApi(APIView):
    """The underwriting rules one policy breaks (404 outside the caller's audience)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="v1_underwriting_policy_retrieve", responses=inline_serializer("PolicyUnderwriting", {
        "policy": serializers.IntegerField(), "number": serializers.CharField(), "flags": _flags()}))
    def get(self, request, pk: int):
        policy = access.get_for_user(request.user, Policy.objects.select_related("vehicle")
                                     .prefetch_related("coverages"), pk=pk)
        return Response({"policy": policy.pk, "number": policy.number,
                         "flags": [_flag_json(f) for f in policy_flags(policy)]})


class FlaggedPagination(Pagination):
    """``count`` exact up to 1,000 rows (``count_bounded`` above; ``next`` moves by cursor): ``FlaggedPaginator``."""

    django_paginator_class = FlaggedPaginator


class FlaggedPoliciesApi(APIView):
    """Policies in force (``?scope=all`` for every policy) that break an underwriting rule (``?rule=``), within
    the caller's audience: the regulator and the insurance association see all, an insurer its own. The count is
    exact up to 1,000 policies (``count_bounded`` says there are more)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="v1_underwriting_policies_list",
        parameters=[OpenApiParameter("rule", str, enum=sorted(RULES)), OpenApiParameter("scope", str, enum=["all"]),
                    OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses=inline_serializer("FlaggedPolicyPage", {
            "count": serializers.IntegerField(), "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": inline_serializer("FlaggedPolicy", {
                "id": serializers.IntegerField(), "number": serializers.CharField(),
                "insurer": serializers.CharField(), "kind": serializers.CharField(),
                "plate": serializers.CharField(allow_null=True), "vin": serializers.CharField(),
                "flags": _flags()}, many=True)}))
    def get(self, request):
        rule = request.query_params.get("rule") or None
        if rule is not None and rule not in RULES:
            raise serializers.ValidationError({"rule": [_("未知的规则。")]})
        qs = access.visible(request.user, Policy.objects.select_related("vehicle", "insurer")
                            .prefetch_related("coverages"))
        if request.query_params.get("scope") != "all":
            qs = qs.filter(Policy.in_force_q(timezone.now()))
        qs = flagged_policies(qs, rule).order_by("-starts_at", "-id")
        paginator = FlaggedPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        rows = [{"id": p.pk, "number": p.number, "insurer": p.insurer.name, "kind": p.kind,
                 "plate": p.vehicle.plate, "vin": p.vehicle.vin,
                 "flags": [_flag_json(f) for f in policy_flags(p) if rule is None or f.code == rule]} for p in page]
        return paginator.get_paginated_response(rows)
