import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.parties import access
from apps.parties.scoping import ScopedReadOnlyViewSet

from .. import ownkeys, selectors, services
from ..models import Batch, BatchEvent, OrganizationKey
from .serializers import (
    BatchDetailSerializer,
    BatchEventSerializer,
    BatchSerializer,
    BatchSignatureSerializer,
    KeyChallengeSerializer,
    KeyRegisterSerializer,
    KeyRevokeSerializer,
    OrganizationKeySerializer,
    ReceiptSignatureSerializer,
)

# The signing actions check their rights in the services (the party's own users only; never the platform).
_SIGNING = {"permission_classes": [permissions.IsAuthenticated], "pagination_class": None, "filter_backends": []}


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

    def _own(self, pk):
        return access.get_for_user(self.request.user, Batch.objects.select_related("sender", "recipient"), pk=pk)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, url_path="receipt-to-sign", **_SIGNING)
    def receipt_to_sign(self, request, pk=None):
        """For the recipient's own system: the receipt body of a ``receipt_pending`` batch (naming its newest
        valid registered key and the signing instant) and ``message``, the exact bytes (base64) to sign."""
        batch = self._own(pk)
        services._own_system(request.user, batch.recipient_id, _("只有接收方本单位的系统可以签署该回执。"))
        return Response(services.receipt_to_sign(batch=batch))

    @extend_schema(request=ReceiptSignatureSerializer, responses=BatchDetailSerializer)
    @action(detail=True, methods=["post"], url_path="receipt-signature", **_SIGNING)
    def receipt_signature(self, request, pk=None):
        """The recipient's own system posts its signature over the receipt it fetched; verified with its
        registered key, then stored (the platform cannot sign this receipt)."""
        batch = self._own(pk)
        services._own_system(request.user, batch.recipient_id, _("只有接收方本单位的系统可以签署该回执。"))
        data = ReceiptSignatureSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.receipt_sign(batch=batch, actor=request.user, **data.validated_data)
        return Response(BatchDetailSerializer(batch).data)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, url_path="to-sign", **_SIGNING)
    def to_sign(self, request, pk=None):
        """For the sender's own system: the header and ciphertext hash of an ``awaiting_signature`` batch and
        ``message``, the exact batch-signature bytes (base64) to sign with the key the header names."""
        batch = self._own(pk)
        services._own_system(request.user, batch.sender_id, _("只有发送方本单位的系统可以为该批次签名。"))
        return Response(services.batch_to_sign(batch=batch))

    @extend_schema(request=BatchSignatureSerializer, responses=BatchDetailSerializer)
    @action(detail=True, methods=["post"], url_path="signature", **_SIGNING)
    def signature(self, request, pk=None):
        """The sender's own system posts its signature; the batch is then released for delivery."""
        batch = self._own(pk)
        services._own_system(request.user, batch.sender_id, _("只有发送方本单位的系统可以为该批次签名。"))
        data = BatchSignatureSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.batch_sign(batch=batch, actor=request.user, **data.validated_data)
        return Response(BatchDetailSerializer(batch).data)


class BatchEventViewSet(ScopedReadOnlyViewSet):
    queryset = BatchEvent.objects.select_related("organization").order_by("at", "id")
    serializer_class = BatchEventSerializer
    filterset_fields = ["batch", "kind"]


class OrganizationKeyViewSet(ScopedReadOnlyViewSet):
    """Public keys of the parties (current, retired and revoked), with who holds each private half (``custody``:
    ``platform`` custodial, ``party`` the party's own), to check batch signatures and receipts.

    A party's own system registers its signing key here: ``POST …/challenge/``, then ``POST /exchange-keys/``
    with the public key and its signature over the challenge (proof of possession); ``POST …/<key_id>/revoke/``."""

    queryset = OrganizationKey.objects.select_related("organization").order_by("organization_id", "purpose", "-valid_from")
    serializer_class = OrganizationKeySerializer
    filterset_fields = ["organization", "purpose"]
    lookup_field = "key_id"
    lookup_value_regex = r"[a-z0-9]+:[0-9a-f]+"

    @extend_schema(request=KeyRegisterSerializer, responses={201: OrganizationKeySerializer})
    def create(self, request, *args, **kwargs):
        """Register the caller's party's own public signing key (the private key stays with its system)."""
        data = KeyRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = ownkeys.party_key_register(organization=request.user.organization, actor=request.user,
                                         **data.validated_data)
        return Response(OrganizationKeySerializer(key).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: KeyChallengeSerializer})
    @action(detail=False, methods=["post"], **_SIGNING)
    def challenge(self, request):
        """A fresh challenge for one key registration by the caller's party (expires, used once)."""
        challenge = ownkeys.key_challenge_issue(organization=request.user.organization, actor=request.user)
        return Response(KeyChallengeSerializer(challenge).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=KeyRevokeSerializer, responses=OrganizationKeySerializer)
    @action(detail=True, methods=["post"], **_SIGNING)
    def revoke(self, request, key_id=None):
        """Revoke one of the caller's party's keys, with a reason."""
        key = self.get_object()
        ownkeys.may_manage(request.user, key.organization)
        data = KeyRevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(OrganizationKeySerializer(ownkeys.key_revoke(key=key, actor=request.user,
                                                                     reason=data.validated_data["reason"])).data)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=False, **_SIGNING)
    def registry(self, request):
        """The key registry, each entry endorsed by the platform root (``lz-key-registry/1``); filter
        ``?uscc=<unified social credit code>``."""
        return Response(selectors.key_registry(uscc=request.query_params.get("uscc") or None))
