from rest_framework.routers import SimpleRouter

from . import views
from .notifications import NotificationViewSet

router = SimpleRouter()
router.register("deadlines", views.DeadlineViewSet, basename="deadline")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
