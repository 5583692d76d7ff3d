from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ..models import Organization
from ..scoping import ScopedReadOnlyViewSet
from .serializers import MeSerializer, OrganizationSerializer


class OrganizationViewSet(ScopedReadOnlyViewSet):
    queryset = Organization.objects.order_by("kind", "name")
    serializer_class = OrganizationSerializer
    filterset_fields = ["kind", "is_active"]


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request):
    return Response(MeSerializer(request.user).data)
