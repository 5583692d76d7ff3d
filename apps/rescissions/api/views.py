"""API for insurers' core systems: read their cases, record steps (each action calls the same service as the
page). Regulator and insurance association read every case. Outside the audience: 404."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.errors import ApplicationError
from apps.parties import access, rights
from apps.parties.scoping import ScopedReadOnlyViewSet
from apps.policies.access import may_reveal_policyholder
from apps.policies.models import Policy
from apps.rescissions.errors import ErrorCode

from .. import services
from ..models import RescissionCase, RescissionEvent, RescissionNotice, Trigger
from ..views import pdf_response
from . import serializers as s


class RescissionCaseViewSet(ScopedReadOnlyViewSet):
    """Rescission cases in the caller's audience, nearest deadline first."""

    queryset = (RescissionCase.objects.select_related("insurer", "vehicle", "policy")
                .prefetch_related("case_policies__policy").order_by("deadline_at", "id"))
    serializer_class = s.RescissionCaseSerializer
    filterset_fields = ["status", "trigger", "path", "insurer", "policy", "vehicle"]

    def get_serializer_class(self):
        return s.RescissionCaseDetailSerializer if self.action == "retrieve" else s.RescissionCaseSerializer

    def _done(self, case, code=status.HTTP_200_OK):
        case = RescissionCase.objects.select_related("insurer", "vehicle", "policy").get(pk=case.pk)
        return Response(s.RescissionCaseDetailSerializer(case, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=s.OpenInput, responses=s.RescissionCaseDetailSerializer)
    def create(self, request):
        """Open a case from the insurer's own findings (trigger ``insurer_finding``); idempotent per reference."""

        rights.require(request.user, "rescissions.add_rescissioncase")
        data = s.OpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        lookup = {"pk": d["policy"]} if d.get("policy") else {"number": d["policy_number"]}
        # the case is opened on one's own insurer's policy (the service checks it again): another's reads as unknown
        lookup["insurer_id"] = request.user.organization_id
        policy = access.get_for_user(request.user, Policy, **lookup)
        case, created = services.rescission_open(policy=policy, trigger=Trigger.INSURER_FINDING,
                                                 trigger_ref=d["trigger_ref"], known_at=d["known_at"], actor=request.user)
        return self._done(case, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=s.NoticeSentInput, responses=s.RescissionCaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="notice-sent")
    def notice_sent(self, request, pk=None):
        case = self.get_object()
        data = s.NoticeSentInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.rescission_notice_send(case=case, actor=request.user, **data.validated_data))

    @extend_schema(request=s.NoticeReceivedInput, responses=s.RescissionCaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="notice-received")
    def notice_received(self, request, pk=None):
        case = self.get_object()
        data = s.NoticeReceivedInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.rescission_notice_receive(case=case, actor=request.user, **data.validated_data))

    @extend_schema(request=s.DisclosureInput, responses=s.RescissionCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def disclosure(self, request, pk=None):
        case = self.get_object()
        data = s.DisclosureInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.rescission_disclosure_record(case=case, actor=request.user, **data.validated_data))

    @extend_schema(request=s.DecisionInput, responses=s.RescissionCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        case = self.get_object()
        data = s.DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.rescission_decide(case=case, actor=request.user, **data.validated_data))

    @extend_schema(request=s.PathInput, responses=s.RescissionCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def path(self, request, pk=None):
        """Record when the vehicle began operating and so the case's path (rules J5, J9, J13)."""
        case = self.get_object()
        data = s.PathInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.rescission_path_record(case=case, actor=request.user, **data.validated_data))

    @extend_schema(request=s.EndorseInput, responses=s.RescissionCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def endorsement(self, request, pk=None):
        """Endorse one policy of the case (批改: usage nature changed, premium re-rated for the policy year) — the
        page's action, through the same service and its rights (rules J8, J9; art. 52's premium increase)."""

        case = self.get_object()
        data = s.EndorseInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        policy = Policy.objects.filter(pk=d["policy"], insurer_id=case.insurer_id).first()
        return self._done(services.rescission_endorse(
            case=case, actor=request.user, policy=policy, usage_nature=d["usage_nature"],
            effective_on=d["effective_on"], new_premium=d["new_premium"], reason=d["reason"]))

    @extend_schema(request=s.CorrectionInput, responses=s.RescissionCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def correction(self, request, pk=None):
        case = self.get_object()
        data = s.CorrectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        event = RescissionEvent.objects.filter(case=case, pk=d["event"]).first()
        if event is None:
            raise ApplicationError(_("该事项不属于本案件。"), code=ErrorCode.WRONG_CASE)
        services.rescission_correct(case=case, actor=request.user, event=event, at=d["at"], reason=d["reason"])
        return self._done(case)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], url_path=r"notices/(?P<notice_id>[0-9]+)/pdf")
    def notice_pdf(self, request, pk=None, notice_id=None):
        case = self.get_object()
        if not may_reveal_policyholder(request.user, case.policy):
            raise Http404
        notice = access.get_for_user(request.user, RescissionNotice.objects.filter(case=case), pk=notice_id)
        return pdf_response(request.user, notice)
