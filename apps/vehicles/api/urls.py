from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("vehicles", views.VehicleViewSet, basename="vehicle")
router.register("permits", views.PermitViewSet, basename="permit")
router.register("drivers", views.DriverViewSet, basename="driver")
router.register("onboarding-checks", views.OnboardingCheckViewSet, basename="onboarding-check")

urlpatterns = router.urls
