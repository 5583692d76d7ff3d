from django.urls import path
from rest_framework.routers import SimpleRouter

from .. import docviews
from . import views

router = SimpleRouter()
router.register("batches", views.BatchViewSet, basename="batch")
router.register("batch-events", views.BatchEventViewSet, basename="batch-event")
router.register("exchange-keys", views.OrganizationKeyViewSet, basename="exchange-key")

urlpatterns = [
    path("signed-documents/verify/", docviews.DocumentVerifyView.as_view(), name="signed-document-verify"),
    *router.urls,
]
