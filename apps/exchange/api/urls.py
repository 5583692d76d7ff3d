from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("batches", views.BatchViewSet, basename="batch")
router.register("batch-events", views.BatchEventViewSet, basename="batch-event")
router.register("exchange-keys", views.OrganizationKeyViewSet, basename="exchange-key")

urlpatterns = router.urls
