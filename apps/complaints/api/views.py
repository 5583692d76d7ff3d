"""Complaints over the API: the staff desk (scoped) and the public intake/status (rate-limited, no account)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.models import Deadline
from apps.core.throttles import personal_data_rate
from apps.parties.scoping import ScopedReadOnlyViewSet

from .. import ratelimit, services
from ..models import Channel, Complaint
from .serializers import (
    ComplaintSerializer,
    ExtendSerializer,
    FeedbackSerializer,
    ForwardSerializer,
    NoteSerializer,
    PublicStatusSerializer,
    ReceiptSerializer,
    RehandleSerializer,
    ReportSerializer,
    ResolveSerializer,
    StatusQuerySerializer,
)


def _periods_attach_deadlines(complaints) -> None:
    """Fill each handling period's ``deadline`` for a page of complaints (their ``periods`` prefetched) with one
    query, instead of one per period."""
    from django.contrib.contenttypes.models import ContentType

    from ..models import HandlingPeriod

    periods = [period for c in complaints for period in c.periods.all()]
    if not periods:
        return
    clocks = {d.object_id: d for d in Deadline.objects.filter(
        rule=services.HANDLING_RULE, content_type=ContentType.objects.get_for_model(HandlingPeriod),
        object_id__in=[str(p.pk) for p in periods])}
    for period in periods:
        period.__dict__["deadline"] = clocks.get(str(period.pk))


class ComplaintViewSet(ScopedReadOnlyViewSet):
    """Reports routed to the caller's organisation (or forwarded to its insurer). POST records a telephone report."""

    queryset = Complaint.objects.prefetch_related(
        "events__organization", "periods__extensions__approved_by").order_by("-received_at", "-id")
    serializer_class = ComplaintSerializer
    filterset_fields = ["hotline", "status", "category", "plate"]

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            _periods_attach_deadlines(page)  # the page's handling clocks in one query
        return page

    @extend_schema(request=ReportSerializer, responses=ReceiptSerializer)
    def create(self, request):
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("photos", None)
        complaint, code = services.complaint_submit(**values, channel=Channel.TELEPHONE, actor=request.user)
        return Response({"tracking_no": complaint.tracking_no, "code": code, "status": complaint.status,
                         "id": complaint.pk}, status=status.HTTP_201_CREATED)

    def _done(self, complaint):
        complaint.refresh_from_db()
        return Response(ComplaintSerializer(complaint).data)

    @extend_schema(request=None, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def verify(self, request, pk=None):
        return self._done(services.complaint_start_verifying(actor=request.user, complaint=self.get_object()))

    @extend_schema(request=ForwardSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def forward(self, request, pk=None):
        data = ForwardSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.complaint_forward(actor=request.user, complaint=self.get_object(),
                                                     **data.validated_data))

    @extend_schema(request=NoteSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def note(self, request, pk=None):
        complaint = self.get_object()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.complaint_add_note(actor=request.user, complaint=complaint, note=data.validated_data["note"])
        return self._done(complaint)

    @extend_schema(request=ResolveSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def resolve(self, request, pk=None):
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.complaint_resolve(actor=request.user, complaint=self.get_object(),
                                                     **data.validated_data))

    @extend_schema(request=FeedbackSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def feedback(self, request, pk=None):
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.complaint_give_feedback(actor=request.user, complaint=self.get_object(),
                                                           feedback=data.validated_data["feedback"]))

    @extend_schema(request=ExtendSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def extend(self, request, pk=None):
        """Rule T4: extend the current handling period of a 12378 complaint by its lawful next step."""
        complaint = self.get_object()
        data = ExtendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.complaint_extend(actor=request.user, complaint=complaint, **data.validated_data)
        return self._done(complaint)

    @extend_schema(request=RehandleSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def rehandle(self, request, pk=None):
        """Rule T4: the reporter is not satisfied — re-handling (重办) opens a new handling period."""
        complaint = self.get_object()
        data = RehandleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.complaint_rehandle(actor=request.user, complaint=complaint, reason=data.validated_data["reason"])
        return self._done(complaint)

    @extend_schema(request=None, responses={201: dict})
    @action(detail=True, methods=["post"], url_path="to-lead", permission_classes=[permissions.IsAuthenticated])
    def to_lead(self, request, pk=None):
        lead = services.complaint_to_lead(actor=request.user, complaint=self.get_object())
        return Response({"lead": lead.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=dict)
    @action(detail=True, methods=["post"], url_path="reveal-contact", permission_classes=[permissions.IsAuthenticated])
    def reveal_contact(self, request, pk=None):
        """The handling officer only, with a reason; every call is an audit event."""
        personal_data_rate(request)
        return Response(services.complaint_reveal_contact(actor=request.user, complaint=self.get_object(),
                                                          reason=str(request.data.get("reason", ""))[:200]))


class PublicReportView(APIView):
    """File a report without an account (rule M16). Rate-limited per IP; multipart for photos."""

    authentication_classes: list = []
    throttle_classes: list = []  # its own per-IP limiter (ratelimit.py), which keeps working without Redis
    permission_classes = [permissions.AllowAny]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=ReportSerializer, responses={201: ReceiptSerializer})
    def post(self, request):
        if not ratelimit.hit("submit", ratelimit.client_ip(request)):
            raise Throttled(detail=_("同一网络提交过于频繁，请稍后再试，或直接拨打 12328 / 12378 热线。"))
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        photos = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        values.pop("photos", None)
        complaint, code = services.complaint_submit(**values, photos=photos, actor=services.public_reporter())
        return Response({"tracking_no": complaint.tracking_no, "code": code, "status": complaint.status},
                        status=status.HTTP_201_CREATED)


class PublicStatusView(APIView):
    authentication_classes: list = []
    throttle_classes: list = []  # as above
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=StatusQuerySerializer, responses=PublicStatusSerializer)
    def post(self, request):
        if not ratelimit.hit("lookup", ratelimit.client_ip(request)):
            raise Throttled(detail=_("查询过于频繁，请稍后再试。"))
        data = StatusQuerySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_lookup(**data.validated_data)
        if complaint is None:
            raise NotFound(_("受理编号或查询码不正确。"))
        return Response(PublicStatusSerializer(complaint).data)
