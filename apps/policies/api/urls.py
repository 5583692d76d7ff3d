from django.urls import path
from rest_framework.routers import SimpleRouter

from .. import premiums_api
from . import views

router = SimpleRouter()
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("coverage-standards", views.CoverageStandardViewSet, basename="coverage-standard")

urlpatterns = router.urls + [
    # premium calculators and underwriting checks (apps/policies/premiums_api.py)
    path("premiums/compulsory/", premiums_api.CompulsoryPremiumApi.as_view(), name="api-premium-compulsory"),
    path("premiums/carrier-liability/", premiums_api.CarrierPremiumApi.as_view(), name="api-premium-carrier"),
    path("premiums/commercial/", premiums_api.CommercialPremiumApi.as_view(), name="api-premium-commercial"),
    path("underwriting/policies/", premiums_api.FlaggedPoliciesApi.as_view(), name="api-underwriting-list"),
    path("underwriting/policies/<int:pk>/", premiums_api.PolicyUnderwritingApi.as_view(),
         name="api-underwriting-policy"),
]
