"""Credit file and supervisory actions over the API: thin — validate, call the service, serialise."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.parties import access
from apps.parties.models import Organization, OrganizationKind
from apps.parties.scoping import ScopedReadOnlyViewSet
from apps.vehicles.models import Driver, Vehicle

from .. import selectors, services
from ..access import file_visible
from ..models import CreditProposal, CreditRecord, SubjectKind, SupervisoryAction, UrgingItem
from .serializers import (
    CloseSerializer,
    CreditCorrectionSerializer,
    CreditProposalCreateSerializer,
    CreditProposalSerializer,
    CreditRecordCreateSerializer,
    CreditRecordSerializer,
    ProposalDecisionSerializer,
    SupervisoryActionCreateSerializer,
    SupervisoryActionSerializer,
    UrgingCloseSerializer,
    UrgingItemSerializer,
    UrgingNoteCreateSerializer,
)


def _subject(kind: str, pk: int):
    if kind == SubjectKind.VEHICLE:
        return Vehicle.objects.filter(pk=pk).first()
    if kind == SubjectKind.DRIVER:
        return Driver.objects.filter(pk=pk).first()
    expected = OrganizationKind.TAXI_COMPANY if kind == SubjectKind.TAXI_COMPANY else OrganizationKind.INSURER
    return Organization.objects.filter(pk=pk, kind=expected).first()


class CreditRecordViewSet(ScopedReadOnlyViewSet):
    """Credit records in the caller's audience; associations add (POST) and correct (POST …/correct/)."""

    queryset = CreditRecord.objects.select_related("created_by_organization").order_by("-occurred_on", "-id")
    serializer_class = CreditRecordSerializer
    filterset_fields = ["subject_kind", "organization", "vehicle", "driver", "event", "severity", "source"]

    @extend_schema(request=CreditRecordCreateSerializer, responses=CreditRecordSerializer)
    def create(self, request):
        data = CreditRecordCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        subject = _subject(values.pop("subject_kind"), values.pop("subject_id"))
        if subject is None or not file_visible(request.user, subject):
            raise Http404
        record = services.credit_record_add(actor=request.user, subject=subject, **values)
        return Response(CreditRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CreditCorrectionSerializer, responses=CreditRecordSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def correct(self, request, pk=None):
        record = self.get_object()
        data = CreditCorrectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        correction = services.credit_record_correct(actor=request.user, record=record, **data.validated_data)
        return Response(CreditRecordSerializer(correction).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["get"], url_path=r"file/(?P<kind>[a-z_]+)/(?P<subject_id>\d+)")
    def file(self, request, kind=None, subject_id=None):
        """The subject's credit level and visible records (the file page as JSON)."""
        if kind not in SubjectKind.values:
            raise Http404
        subject = _subject(kind, int(subject_id))
        if subject is None or not file_visible(request.user, subject):
            raise Http404
        context = selectors.credit_file(user=request.user, subject=subject)
        level = context["level"]
        return Response({
            "level": level.level, "level_label": level.label, "points": level.points,
            "records": CreditRecordSerializer([row["record"] for row in context["timeline"]], many=True).data,
            "rules": {"severity_points": selectors.conf.severity_points(),
                      "level_thresholds": selectors.conf.level_thresholds()},
        })


class SupervisoryActionViewSet(ScopedReadOnlyViewSet):
    """Sanctions and self-discipline measures (rule M15, M17): issue (POST), close (POST …/close/)."""

    queryset = SupervisoryAction.objects.select_related("target", "issued_by").order_by("-starts_on", "-id")
    serializer_class = SupervisoryActionSerializer
    filterset_fields = ["kind", "status", "target", "issued_by", "ground"]

    @extend_schema(request=SupervisoryActionCreateSerializer, responses=SupervisoryActionSerializer)
    def create(self, request):
        data = SupervisoryActionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        vehicle_id = values.pop("vehicle", None)
        vehicle = None
        if vehicle_id:
            # a vehicle outside the caller's audience reads as unknown (no existence oracle by id)
            vehicle = access.visible(request.user, Vehicle).filter(pk=vehicle_id).first()
            if vehicle is None:
                raise Http404
        record = services.supervisory_action_issue(actor=request.user, vehicle=vehicle, **values)
        return Response(SupervisoryActionSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CloseSerializer, responses=SupervisoryActionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def close(self, request, pk=None):
        obj = self.get_object()
        data = CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = services.supervisory_action_close(actor=request.user, action=obj, result=data.validated_data["result"])
        return Response(SupervisoryActionSerializer(obj).data)


def _visible_subject(user, kind: str, pk: int):
    """The subject in the caller's audience (``apps.parties.access``), or None: an unseen one reads as unknown."""
    subject = _subject(kind, pk)
    if subject is None or not access.visible(user, type(subject)).filter(pk=subject.pk).exists():
        return None
    return subject


class CreditProposalViewSet(ScopedReadOnlyViewSet):
    """Proposals to enter the credit file (rule M2): any party proposes (POST), the competent association decides
    (POST …/decide/ with ``accept`` and ``reason``)."""

    queryset = CreditProposal.objects.select_related("proposed_by_organization", "source_content_type").order_by(
        "-created_at", "-id")
    serializer_class = CreditProposalSerializer
    filterset_fields = ["status", "subject_kind", "organization", "vehicle", "driver", "event"]

    @extend_schema(request=CreditProposalCreateSerializer, responses=CreditProposalSerializer)
    def create(self, request):
        data = CreditProposalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        subject = _visible_subject(request.user, values.pop("subject_kind"), values.pop("subject_id"))
        if subject is None:
            raise Http404
        proposal = services.credit_proposal_create(actor=request.user, subject=subject, **values)
        return Response(CreditProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProposalDecisionSerializer, responses=CreditProposalSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def decide(self, request, pk=None):
        proposal = self.get_object()
        data = ProposalDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.credit_proposal_decide(actor=request.user, proposal=proposal, **data.validated_data)
        return Response(CreditProposalSerializer(proposal).data)


class UrgingItemViewSet(ScopedReadOnlyViewSet):
    """督促 items (rules M12, M17): the insurance association records its urging (POST …/record/) and closes
    them (POST …/close/)."""

    queryset = UrgingItem.objects.select_related("insurer").prefetch_related("notes").order_by("-created_at", "-id")
    serializer_class = UrgingItemSerializer
    filterset_fields = ["status", "insurer", "rule"]

    @extend_schema(request=UrgingNoteCreateSerializer, responses=UrgingItemSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def record(self, request, pk=None):
        item = self.get_object()
        data = UrgingNoteCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.urging_item_record(actor=request.user, item=item, note=data.validated_data["note"])
        return Response(UrgingItemSerializer(UrgingItem.objects.get(pk=item.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=UrgingCloseSerializer, responses=UrgingItemSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def close(self, request, pk=None):
        item = self.get_object()
        data = UrgingCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.urging_item_close(actor=request.user, item=item, **data.validated_data)
        return Response(UrgingItemSerializer(item).data)
