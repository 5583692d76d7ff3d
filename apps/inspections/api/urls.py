from rest_framework.routers import SimpleRouter

from .views import InspectionNoticeViewSet, InspectionViewSet, TrainingViewSet

router = SimpleRouter()
router.register("inspections", InspectionViewSet, basename="inspection")
router.register("inspection-notices", InspectionNoticeViewSet, basename="inspection-notice")
router.register("trainings", TrainingViewSet, basename="training")
urlpatterns = router.urls
