from rest_framework.routers import SimpleRouter

from .views import CreditRecordViewSet, SupervisoryActionViewSet

router = SimpleRouter()
router.register("credit-records", CreditRecordViewSet, basename="credit-record")
router.register("supervisory-actions", SupervisoryActionViewSet, basename="supervisory-action")
urlpatterns = router.urls
