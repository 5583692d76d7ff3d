from django.urls import path
from rest_framework.routers import SimpleRouter

from .. import docviews
from . import documents, views

router = SimpleRouter()
router.register("batches", views.BatchViewSet, basename="batch")
router.register("batch-events", views.BatchEventViewSet, basename="batch-event")
router.register("exchange-keys", views.OrganizationKeyViewSet, basename="exchange-key")

urlpatterns = [
    path("signed-documents/verify/", docviews.DocumentVerifyView.as_view(), name="signed-document-verify"),
    # a party that holds its own key signs its documents itself (issue 19)
    path("document-keys/", documents.DocumentKeysView.as_view(), name="document-keys"),
    path("pending-documents/", documents.PendingDocumentsView.as_view(), name="pending-documents"),
    path("pending-documents/<int:pk>/pdf/", documents.PendingDocumentPdfView.as_view(), name="pending-document-pdf"),
    path("pending-documents/<int:pk>/signed/", documents.PendingDocumentSignedView.as_view(),
         name="pending-document-signed"),
    *router.urls,
]
