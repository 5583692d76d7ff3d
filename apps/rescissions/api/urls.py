from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("rescission-cases", views.RescissionCaseViewSet, basename="rescission-case")

urlpatterns = router.urls
