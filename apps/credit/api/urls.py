from rest_framework.routers import SimpleRouter

from .views import CreditProposalViewSet, CreditRecordViewSet, SupervisoryActionViewSet, UrgingItemViewSet

router = SimpleRouter()
router.register("credit-records", CreditRecordViewSet, basename="credit-record")
router.register("supervisory-actions", SupervisoryActionViewSet, basename="supervisory-action")
router.register("credit-proposals", CreditProposalViewSet, basename="credit-proposal")
router.register("urging-items", UrgingItemViewSet, basename="urging-item")
urlpatterns = router.urls
