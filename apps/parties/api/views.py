from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ..models import Organization, User
from ..scoping import ScopedReadOnlyViewSet
from .serializers import MeSerializer, OrganizationSerializer, UserSerializer


class OrganizationViewSet(ScopedReadOnlyViewSet):
    queryset = Organization.objects.order_by("kind", "name")
    serializer_class = OrganizationSerializer
    filterset_fields = ["kind", "is_active"]


class UserViewSet(ScopedReadOnlyViewSet):
    """Users of the caller's own organisation (apps.parties.access)."""

    queryset = User.objects.select_related("organization").order_by("username")
    serializer_class = UserSerializer
    filterset_fields = ["is_active", "is_system"]


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request):
    return Response(MeSerializer(request.user).data)
