from django.urls import path

from . import views

urlpatterns = [
    path("due/", views.due, name="deadlines-due"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications-read"),
]

# Bulk imports (apps/core/imports.py); the API lives beside the pages and is mounted under /api/v1/imports/.
from . import import_views  # noqa: E402

urlpatterns += [
    path("imports/", import_views.import_list, name="import-list"),
    path("imports/upload/", import_views.import_upload, name="import-upload"),
    path("imports/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("imports/<int:pk>/start/", import_views.import_start, name="import-start"),
    path("imports/<int:pk>/discard/", import_views.import_discard, name="import-discard"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="import-progress"),
    path("imports/<int:pk>/errors.csv", import_views.import_errors_csv, name="import-errors"),
    path("imports/template/<str:kind>/", import_views.import_template, name="import-template"),
    path("api/v1/imports/", import_views.ImportJobListApi.as_view(), name="api-import-list"),
    path("api/v1/imports/<int:pk>/", import_views.ImportJobApi.as_view(), name="api-import-detail"),
    path("api/v1/imports/<int:pk>/start/", import_views.ImportJobStartApi.as_view(), name="api-import-start"),
    path("api/v1/imports/<int:pk>/discard/", import_views.ImportJobDiscardApi.as_view(), name="api-import-discard"),
]
