from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("focused-checks", views.FocusedCheckViewSet, basename="focused-check")

urlpatterns = [path("claims-sla/", views.SlaView.as_view(), name="claims-sla-api"), *router.urls]
