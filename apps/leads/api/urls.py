from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("leads", views.LeadViewSet, basename="lead")
router.register("lead-worklist", views.WorklistItemViewSet, basename="lead-worklist")
router.register("penalties", views.PenaltyViewSet, basename="penalty")
router.register("lawful-list-runs", views.LawfulListRunViewSet, basename="lawful-list-run")
router.register("screening-findings", views.ScreeningFindingViewSet, basename="screening-finding")
router.register("risk-weights", views.RiskWeightsViewSet, basename="risk-weights")
router.register("risk-runs", views.RiskRunViewSet, basename="risk-run")

urlpatterns = router.urls
