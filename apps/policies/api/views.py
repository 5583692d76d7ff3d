"""Policies (insurer-scoped), the insurers' batch push, and the coverage standard (thin; services do the work)."""

from __future__ import annotations

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.core.audit import reveal
from apps.core.documents import pdf_response
from apps.core.throttles import personal_data_rate
from apps.parties import access
from apps.parties.scoping import ScopedModelViewSet
from apps.vehicles.api.serializers import RevealResultSerializer, RevealSerializer
from apps.vehicles.usage import NON_OPERATING_NATURES, OPERATING_NATURES

from .. import services
from ..access import may_reveal_policyholder
from ..endorsement_document import for_reader
from ..models import CoverageStandard, Endorsement, Policy, PolicyStatusChange
from ..rows import POLICY_ROWS
from . import serializers as s


class PolicyFilter(django_filters.FilterSet):
    plate = django_filters.CharFilter(method="filter_plate")
    vin = django_filters.CharFilter(method="filter_vin")
    in_force_at = django_filters.IsoDateTimeFilter(method="filter_in_force_at", label="在该时点有效")
    usage_class = django_filters.ChoiceFilter(
        choices=[("operating", "营运"), ("non_operating", "非营运")], method="filter_usage_class")
    starts_from = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_to = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Policy
        fields = ["insurer", "kind", "status", "vehicle", "number", "usage_nature_insured"]

    def filter_plate(self, qs, name, value):
        return qs.filter(vehicle__plate=value.strip().upper())

    def filter_vin(self, qs, name, value):
        return qs.filter(vehicle__vin=value.strip().upper())

    def filter_in_force_at(self, qs, name, value):
        return qs.filter(Policy.in_force_q(value))

    def filter_usage_class(self, qs, name, value):
        natures = OPERATING_NATURES if value == "operating" else NON_OPERATING_NATURES
        return qs.filter(usage_nature_insured__in=natures)


class PolicyViewSet(ScopedModelViewSet):
    """An insurer sees and writes only its own policies; transport, the regulator and the insurance association
    read all. ``POST /policies/batch/`` takes rows in the importer's format (idempotent by insurer + number)."""

    queryset = (Policy.objects.select_related("insurer", "vehicle").prefetch_related("coverages")
                .order_by("-starts_at", "-id"))
    serializer_class = s.PolicySerializer
    filterset_class = PolicyFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(request=s.PolicyCreateSerializer, responses={201: s.PolicySerializer})
    def create(self, request, *args, **kwargs):
        body = s.PolicyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        with transaction.atomic():
            vehicle, _outcome = services.policy_vehicle_resolve(
                actor=request.user, vin=data.pop("vin"), plate=data.pop("plate", None) or None,
                fields={"seats": data.pop("seats", None)},
            )
            policy = services.policy_create(actor=request.user, vehicle=vehicle, **data)
        return Response(s.PolicySerializer(policy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PolicyUpdateSerializer, responses=s.PolicySerializer)
    def partial_update(self, request, *args, **kwargs):
        policy = self.get_object()
        body = s.PolicyUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        policy = services.policy_update(actor=request.user, policy=policy, **body.validated_data)
        policy = Policy.objects.select_related("insurer", "vehicle").prefetch_related("coverages").get(pk=policy.pk)
        return Response(s.PolicySerializer(policy).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=s.PolicyBatchSerializer, responses=inline_serializer("PolicyBatchResponse", {
        "counts": inline_serializer("PolicyBatchCounts", {
            name: serializers.IntegerField() for name in ("created", "updated", "unchanged", "error")}),
        "results": s.BatchRowResultSerializer(many=True)}))
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def batch(self, request):
        """Insurer batch push: each row is upserted on its own (a bad row does not stop the others); re-sending
        the same rows changes nothing. Rows are numbered from 1."""
        body = s.PolicyBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        results = []
        counts = {"created": 0, "updated": 0, "unchanged": 0, "error": 0}
        for index, row in enumerate(body.validated_data["rows"], start=1):
            try:
                with transaction.atomic():
                    kwargs = POLICY_ROWS.parse(row)
                    policy, outcome = POLICY_ROWS.apply(actor=request.user, kwargs=kwargs)
                results.append({"row": index, "outcome": outcome, "id": policy.pk, "errors": {}})
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
                results.append({"row": index, "outcome": "error", "id": None, "errors": errors})
                outcome = "error"
            counts[outcome] += 1
        return Response({"counts": counts, "results": results})

    @extend_schema(request=s.EndorsementWriteSerializer, responses={201: s.EndorsementSerializer})
    @action(detail=True, methods=["post"])
    def endorse(self, request, pk=None):
        """Rules J8, J9: an endorsement (批改) of the usage nature; premium delta to the fen (ROUND_HALF_UP)."""
        policy = self.get_object()
        body = s.EndorsementWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        endorsement = services.policy_endorse(actor=request.user, policy=policy, **body.validated_data)
        return Response(s.EndorsementSerializer(endorsement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CancellationWriteSerializer, responses={201: s.CancellationSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Rules J6, J7, C5: cancellation (退保) on an enumerated ground of the policy's kind, with evidence."""
        policy = self.get_object()
        body = s.CancellationWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        cancellation = services.policy_cancel(actor=request.user, policy=policy, **data)
        return Response(s.CancellationSerializer(cancellation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ExtensionWriteSerializer, responses=s.PolicySerializer)
    @action(detail=True, methods=["post"], url_path="extend-laid-up", url_name="extend-laid-up")
    def extend_laid_up(self, request, pk=None):
        """Rule J10: a laid-up operating vehicle's 交强险 period extended once, by 1 to 4 months."""
        policy = self.get_object()
        body = s.ExtensionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        policy = services.policy_extend_laid_up(actor=request.user, policy=policy, **body.validated_data)
        policy = Policy.objects.select_related("insurer", "vehicle").prefetch_related("coverages").get(pk=policy.pk)
        return Response(s.PolicySerializer(policy).data)

    @extend_schema(responses=inline_serializer("PolicyHistory", {
        "status_changes": s.PolicyStatusChangeSerializer(many=True),
        "endorsements": s.EndorsementSerializer(many=True)}))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        """The policy's status history with its path (解除/退保/批改/顺延/期满) and its endorsements."""
        policy = self.get_object()
        changes = access.visible(request.user, PolicyStatusChange.objects.filter(policy=policy)).order_by("at", "id")
        endorsements = access.visible(request.user, Endorsement.objects.filter(policy=policy)).order_by(
            "effective_on", "id")
        return Response({"status_changes": s.PolicyStatusChangeSerializer(changes, many=True).data,
                         "endorsements": s.EndorsementSerializer(endorsements, many=True).data})

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], url_path=r"endorsements/(?P<endorsement_id>[0-9]+)/pdf",
            url_name="endorsement-pdf", pagination_class=None, filter_backends=[])
    def endorsement_pdf(self, request, pk=None, endorsement_id=None):
        """The endorsement's form (批改单, rules J8, J9, J13) as the insurer signed it (PAdES; unsigned for an
        insurer with its own key), for those who may reveal the policy's policyholder (the form names them)."""
        policy = self.get_object()
        content, name = for_reader(request.user, policy_pk=policy.pk, endorsement_pk=int(endorsement_id))
        return pdf_response(content, name)

    @extend_schema(request=RevealSerializer, responses=RevealResultSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def reveal(self, request, pk=None):
        policy = self.get_object()
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["field"] != "policyholder_name":
            raise ValidationError({"field": [_("可查看的字段：policyholder_name。")]})
        if not may_reveal_policyholder(request.user, policy):
            raise DjangoPermissionDenied(_("您无权查看该个人信息明文。"))
        personal_data_rate(request)
        value = reveal(actor=request.user, obj=policy, field="policyholder_name",
                       reason=body.validated_data.get("reason", ""))
        return Response({"field": "policyholder_name", "value": value})


class CoverageStandardViewSet(ScopedModelViewSet):
    """The coverage standard (rule M10): everyone reads; one association proposes a version, the other approves."""

    queryset = CoverageStandard.objects.select_related("published_by").prefetch_related("requirements").order_by(
        "-effective_from", "-id")
    serializer_class = s.CoverageStandardSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["effective_from"]

    def create(self, request, *args, **kwargs):
        body = s.CoverageStandardSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        standard = services.coverage_standard_propose(
            actor=request.user, name=data["name"], effective_from=data["effective_from"],
            effective_to=data.get("effective_to"), basis=data.get("basis", ""),
            requirements=[dict(r) for r in data["requirements"]],
        )
        return Response(s.CoverageStandardSerializer(standard).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.StandardDecisionSerializer, responses=s.CoverageStandardSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Rule M10: the OTHER association approves the proposed version (then it is in force) or rejects it."""
        standard = self.get_object()
        body = s.StandardDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        standard = services.coverage_standard_decide(actor=request.user, standard=standard,
                                                     **body.validated_data)
        return Response(s.CoverageStandardSerializer(standard).data)

    @action(detail=False, methods=["get"], url_path="in-force")
    def in_force(self, request):
        standard = services.coverage_standard_in_force(self._today())
        if standard is None:
            raise Http404
        return Response(s.CoverageStandardSerializer(standard).data)

    @staticmethod
    def _today():
        from django.utils import timezone

        return timezone.localdate()


__all__ = ["CoverageStandardViewSet", "PolicyViewSet"]
