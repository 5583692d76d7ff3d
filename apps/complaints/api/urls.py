from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ComplaintViewSet, PublicReportView, PublicStatusView

router = SimpleRouter()
router.register("complaints", ComplaintViewSet, basename="complaint")
urlpatterns = [
    path("public/complaints/", PublicReportView.as_view(), name="public-complaint-create"),
    path("public/complaints/status/", PublicStatusView.as_view(), name="public-complaint-status"),
    *router.urls,
]
