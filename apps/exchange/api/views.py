import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.parties import access
from apps.parties.scoping import ScopedReadOnlyViewSet

from .. import selectors, services
from ..models import Batch, BatchEvent, OrganizationKey
from .serializers import (
    BatchDetailSerializer,
    BatchEventSerializer,
    BatchSerializer,
    OrganizationKeySerializer,
)


class BatchFilter(django_filters.FilterSet):
    state = django_filters.CharFilter(method="filter_common")
    kind = django_filters.CharFilter(method="filter_common")
    direction = django_filters.ChoiceFilter(
        method="filter_common",
        choices=[(selectors.DIRECTION_SENT, _("本单位发出")), (selectors.DIRECTION_RECEIVED, _("本单位收到"))],
    )
    ref = django_filters.CharFilter(method="filter_common")

    class Meta:
        model = Batch
        fields = ["sender", "recipient"]

    def filter_common(self, queryset, name, value):
        return selectors.batch_filter(queryset, user=self.request.user, **{name: value})


class BatchViewSet(ScopedReadOnlyViewSet):
    """Batches the caller sent or received (the regulator: all), newest first. Read-only."""

    queryset = Batch.objects.select_related("sender", "recipient").defer(*selectors.LIST_FIELDS_DEFERRED)
    serializer_class = BatchSerializer
    filterset_class = BatchFilter

    def retrieve(self, request, *args, **kwargs):
        batch = access.get_for_user(request.user, Batch.objects.select_related("sender", "recipient"), pk=kwargs["pk"])
        return Response(BatchDetailSerializer(batch).data)

    @extend_schema(responses=BatchEventSerializer(many=True))
    @action(detail=True, pagination_class=None, filter_backends=[])
    def events(self, request, pk=None):
        batch = self.get_object()
        return Response(BatchEventSerializer(selectors.batch_events(batch=batch), many=True).data)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, pagination_class=None, filter_backends=[])
    def archive(self, request, pk=None):
        """The evidence archive (JSON), the same file ``manage.py exchange_archive export`` writes."""
        batch = access.get_for_user(request.user, Batch.objects.select_related("sender", "recipient"), pk=pk)
        return Response(services.batch_archive_export(actor=request.user, batch=batch, via="api"))


class BatchEventViewSet(ScopedReadOnlyViewSet):
    queryset = BatchEvent.objects.select_related("organization").order_by("at", "id")
    serializer_class = BatchEventSerializer
    filterset_fields = ["batch", "kind"]


class OrganizationKeyViewSet(ScopedReadOnlyViewSet):
    """Public keys of the parties (current and retired), to check batch signatures and receipts."""

    queryset = OrganizationKey.objects.select_related("organization").order_by("organization_id", "purpose", "-valid_from")
    serializer_class = OrganizationKeySerializer
    filterset_fields = ["organization", "purpose"]
    lookup_field = "key_id"
    lookup_value_regex = r"[a-z0-9]+:[0-9a-f]+"
