from django.urls import path

from . import docviews, views

urlpatterns = [
    path("", views.BatchListView.as_view(), name="exchange-batch-list"),
    path("<uuid:pk>/", views.BatchDetailView.as_view(), name="exchange-batch-detail"),
    path("<uuid:pk>/archive/", views.batch_archive_download, name="exchange-batch-archive"),
    path("<uuid:pk>/retry/", views.batch_retry, name="exchange-batch-retry"),
    path("documents/verify/", docviews.document_verify, name="exchange-document-verify"),
    path("documents/ca.pem", docviews.document_ca_download, name="exchange-document-ca"),
]
