from django.urls import path

from . import views

# Pages of the bulk importer, mounted at the root (liuzhou_regulation/urls.py) under the paths and names they had
# in the kernel; the API is in api/urls.py, mounted under /api/v1/.
urlpatterns = [
    path("imports/", views.import_list, name="import-list"),
    path("imports/upload/", views.import_upload, name="import-upload"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/start/", views.import_start, name="import-start"),
    path("imports/<int:pk>/discard/", views.import_discard, name="import-discard"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import-progress"),
    path("imports/<int:pk>/errors.csv", views.import_errors_csv, name="import-errors"),
    path("imports/template/<str:kind>/", views.import_template, name="import-template"),
]
