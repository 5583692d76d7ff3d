from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("coverage-standards", views.CoverageStandardViewSet, basename="coverage-standard")

urlpatterns = router.urls
