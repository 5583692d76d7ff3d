"""API of the leads app: the same services as the pages, the same audience (404 outside it).

Writes are POST actions; the role check of each is inside its service (the role's model permission and the
party it acts for), so the action itself only requires a signed-in user.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.parties import access
from apps.parties.models import Organization
from apps.parties.scoping import ScopedReadOnlyViewSet

from .. import risk, screening, selectors, services
from ..models import (
    InsurerWorklistItem,
    LawfulListRun,
    Lead,
    Penalty,
    RiskModelRun,
    RiskModelWeights,
    ScreeningFinding,
)
from ..screening import lawful_list_push
from . import serializers as s

WRITE = [permissions.IsAuthenticated]


class LeadViewSet(ScopedReadOnlyViewSet):
    """Leads in the caller's audience; ``?box=inbox|outbox`` for the organisation's own boxes."""

    queryset = Lead.objects.select_related("origin", "sender", "recipient").order_by("-created_at", "-id")
    serializer_class = s.LeadSerializer
    filterset_fields = ["status", "source", "direction", "finding", "plate", "recipient", "sender", "outcome"]

    def get_serializer_class(self):
        return s.LeadDetailSerializer if self.action == "retrieve" else s.LeadSerializer

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        box = self.request.query_params.get("box")
        org = self.request.user.organization_id
        if box == "inbox":
            queryset = queryset.filter(recipient_id=org)
        elif box == "outbox":
            queryset = queryset.filter(sender_id=org) | queryset.filter(origin_id=org)
        return queryset

    def _done(self, lead, code=status.HTTP_200_OK):
        lead = Lead.objects.select_related("origin", "sender", "recipient").get(pk=lead.pk)
        return Response(s.LeadDetailSerializer(lead, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=s.FlagInput, responses=s.LeadDetailSerializer)
    @action(detail=False, methods=["post"], permission_classes=WRITE)
    def flag(self, request):
        """Rule M5: transport flags one vehicle (``push`` to send it at once)."""
        data = s.FlagInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.lead_flag(actor=request.user, **data.validated_data), status.HTTP_201_CREATED)

    @extend_schema(request=s.ComplaintInput, responses=s.LeadDetailSerializer)
    @action(detail=False, methods=["post"], permission_classes=WRITE, url_path="from-complaint")
    def from_complaint(self, request):
        """A 12328 report becomes a lead (transport)."""
        data = s.ComplaintInput(data=request.data)
        data.is_valid(raise_exception=True)
        lead = services.lead_create_from_complaint(actor=request.user, **data.validated_data)
        return self._done(lead, status.HTTP_201_CREATED)

    @extend_schema(request=s.ReportInput, responses=s.LeadDetailSerializer)
    @action(detail=False, methods=["post"], permission_classes=WRITE)
    def report(self, request):
        """Rule M9: a taxi company reports a suspected vehicle."""
        data = s.ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        lead = services.lead_report_by_company(actor=request.user, **data.validated_data)
        return self._done(lead, status.HTTP_201_CREATED)

    @extend_schema(request=s.PushInput, responses={200: dict})
    @action(detail=False, methods=["post"], permission_classes=WRITE)
    def push(self, request):
        """Push the given new leads as ONE batch."""
        data = s.PushInput(data=request.data)
        data.is_valid(raise_exception=True)
        ids = set(data.validated_data["ids"])
        leads = list(access.visible(request.user, Lead).filter(pk__in=ids))
        if len(leads) != len(ids):
            return Response({"error": {"code": "not_found", "message": _("未找到。"), "fields": {}}},
                            status=status.HTTP_404_NOT_FOUND)
        batch = services.lead_push(actor=request.user, leads=leads)
        return Response({"batch": str(batch.pk), "recipient": batch.recipient.name, "count": len(leads)})

    @extend_schema(request=s.VerifyInput, responses=s.LeadDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=WRITE)
    def verify(self, request, pk=None):
        """Rule M2: the regulator records its insurance verification (how the vehicle is insured now)."""
        lead = self.get_object()
        data = s.VerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.lead_insurance_verify(actor=request.user, lead=lead, **data.validated_data))

    @extend_schema(request=s.CheckRequestInput, responses=s.LeadDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=WRITE, url_path="request-check")
    def request_check(self, request, pk=None):
        """Rules M2, M4: the regulator requests transport's offline check (clock LEAD_OFFLINE_CHECK_DAYS)."""
        lead = self.get_object()
        data = s.CheckRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.lead_offline_check_request(actor=request.user, lead=lead, **data.validated_data))

    @extend_schema(request=None, responses=s.LeadDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=WRITE, url_path="check-start")
    def check_start(self, request, pk=None):
        """Transport starts its offline check."""
        return self._done(services.lead_check_start(actor=request.user, lead=self.get_object()))

    @extend_schema(request=s.CheckInput, responses=s.LeadDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=WRITE)
    def check(self, request, pk=None):
        """Rule M2: transport records its finding (only transport defines illegal operation)."""
        lead = self.get_object()
        data = s.CheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        penalty_id = d.pop("penalty", None)
        penalty = access.get_for_user(request.user, Penalty, pk=penalty_id) if penalty_id else None
        return self._done(services.lead_check_record(actor=request.user, lead=lead, penalty=penalty, **d))

    @extend_schema(request=s.DisposeInput, responses=s.LeadDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=WRITE)
    def dispose(self, request, pk=None):
        lead = self.get_object()
        data = s.DisposeInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        penalty_id = d.pop("penalty", None)
        penalty = access.get_for_user(request.user, Penalty, pk=penalty_id) if penalty_id else None
        return self._done(services.lead_dispose(actor=request.user, lead=lead, penalty=penalty, **d))

    @extend_schema(responses=s.LeadEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, pk=None):
        lead = self.get_object()
        return Response(s.LeadEventSerializer(selectors.lead_trail(user=request.user, lead=lead), many=True).data)


class WorklistItemViewSet(ScopedReadOnlyViewSet):
    """An insurer's worklist rows (its own only); the regulator and the insurance association see all."""

    queryset = InsurerWorklistItem.objects.select_related("insurer", "policy").order_by("state", "-received_at", "-id")
    serializer_class = s.WorklistItemSerializer
    filterset_fields = ["state", "kind", "plate", "lead", "penalty"]

    @extend_schema(request=s.AnswerInput, responses=s.WorklistItemSerializer)
    @action(detail=True, methods=["post"], permission_classes=WRITE)
    def answer(self, request, pk=None):
        item = self.get_object()
        data = s.AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.worklist_item_answer(actor=request.user, item=item, **data.validated_data)
        return Response(s.WorklistItemSerializer(item).data)


class PenaltyViewSet(ScopedReadOnlyViewSet):
    queryset = Penalty.objects.select_related("organization").order_by("-decided_on", "-id")
    serializer_class = s.PenaltySerializer
    filterset_fields = ["plate", "vehicle", "company", "decision_no"]

    @extend_schema(request=s.PenaltyInput, responses=s.PenaltySerializer)
    def create(self, request):
        """Rule M7: record a penalty decision (transport); it is pushed to the regulator at once."""
        data = s.PenaltyInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        company_id, lead_id = d.pop("company", None), d.pop("lead", None)
        company = Organization.objects.filter(pk=company_id).first() if company_id else None
        lead = access.get_for_user(request.user, Lead, pk=lead_id) if lead_id else None
        penalty = services.penalty_record(actor=request.user, company=company, lead=lead, **d)
        return Response(s.PenaltySerializer(penalty).data, status=status.HTTP_201_CREATED)


class LawfulListRunViewSet(ScopedReadOnlyViewSet):
    queryset = LawfulListRun.objects.order_by("-pushed_at", "-id")
    serializer_class = s.LawfulListRunSerializer

    @extend_schema(request=None, responses=s.LawfulListRunSerializer)
    @action(detail=False, methods=["post"], permission_classes=WRITE)
    def push(self, request):
        """Rule M6: push the lawful operating vehicle list now (transport)."""
        run = lawful_list_push(actor=request.user)
        return Response(s.LawfulListRunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["get"], url_path="dispatch-preview", filter_backends=[], pagination_class=None)
    def dispatch_preview(self, request, pk=None):
        """Rule M6: what confirming the dispatch would send to each insurer (reads only; quote ``digest``)."""
        return Response(screening.screening_dispatch_preview(actor=request.user, run=self.get_object()).as_dict())

    @extend_schema(request=s.ConfirmInput, responses={200: dict})
    @action(detail=True, methods=["post"], permission_classes=WRITE, url_path="dispatch",
            url_name="dispatch-findings")
    def dispatch_findings(self, request, pk=None):
        """Rule M6: confirm the previewed dispatch; exactly the previewed rows are sent."""
        run = self.get_object()
        data = s.ConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        batches = screening.screening_dispatch(actor=request.user, run=run, **data.validated_data)
        return Response({"batches": [{"id": str(b.pk), "recipient": b.recipient.name, "rows": b.row_count}
                                     for b in batches]})


class ScreeningFindingViewSet(ScopedReadOnlyViewSet):
    queryset = ScreeningFinding.objects.order_by("run", "kind", "plate", "id")
    serializer_class = s.ScreeningFindingSerializer
    filterset_fields = ["run", "kind", "insurer", "plate", "review"]

    @extend_schema(request=s.ReviewInput, responses={200: dict})
    @action(detail=False, methods=["post"], permission_classes=WRITE)
    def review(self, request):
        """Rule M6: the regulator confirms findings of a run, or excludes them with a reason (nothing is sent)."""
        data = s.ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        run = access.get_for_user(request.user, LawfulListRun, pk=d.pop("run"))
        n = screening.screening_findings_review(actor=request.user, run=run, finding_ids=d["ids"],
                                                decision=d["decision"], reason=d["reason"])
        return Response({"reviewed": n})


class RiskWeightsViewSet(ScopedReadOnlyViewSet):
    queryset = RiskModelWeights.objects.order_by("-version")
    serializer_class = s.RiskWeightsSerializer

    @extend_schema(request=s.RiskWeightsSerializer, responses=s.RiskWeightsSerializer)
    def create(self, request):
        """Save the next version of the weights (insurance association)."""
        data = s.RiskWeightsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        saved = services.risk_weights_update(actor=request.user, weights=d.get("weights") or {},
                                             threshold=d["threshold"], note=d.get("note") or "")
        return Response(s.RiskWeightsSerializer(saved).data, status=status.HTTP_201_CREATED)


class RiskRunViewSet(ScopedReadOnlyViewSet):
    queryset = RiskModelRun.objects.order_by("-started_at")
    serializer_class = s.RiskRunSerializer

    @extend_schema(request=None, responses=s.RiskRunSerializer)
    @action(detail=False, methods=["post"], permission_classes=WRITE)
    def run(self, request):
        """Rule M8: run the model now (insurance association) — a preview: nothing is sent until confirmed."""
        return Response(s.RiskRunSerializer(risk.risk_model_run(actor=request.user)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def preview(self, request, pk=None):
        """What confirming the run would send to transport (reads only; quote ``digest``)."""
        return Response(risk.risk_model_preview(self.get_object()).as_dict())

    @extend_schema(request=s.ConfirmInput, responses=s.RiskRunSerializer)
    @action(detail=True, methods=["post"], permission_classes=WRITE)
    def confirm(self, request, pk=None):
        """Rule M8: confirm the previewed run; exactly the previewed vehicles become leads pushed to transport."""
        run = self.get_object()
        data = s.ConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(s.RiskRunSerializer(risk.risk_model_run_confirm(actor=request.user, run=run,
                                                                        **data.validated_data)).data)
