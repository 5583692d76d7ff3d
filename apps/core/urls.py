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

# Premium calculators and underwriting checks of the policies app, under /api/v1/ like every API.
from apps.policies import premiums_api  # noqa: E402

urlpatterns += [
    path("api/v1/premiums/compulsory/", premiums_api.CompulsoryPremiumApi.as_view(), name="api-premium-compulsory"),
    path("api/v1/premiums/carrier-liability/", premiums_api.CarrierPremiumApi.as_view(), name="api-premium-carrier"),
    path("api/v1/premiums/commercial/", premiums_api.CommercialPremiumApi.as_view(), name="api-premium-commercial"),
    path("api/v1/underwriting/policies/", premiums_api.FlaggedPoliciesApi.as_view(), name="api-underwriting-list"),
    path("api/v1/underwriting/policies/<int:pk>/", premiums_api.PolicyUnderwritingApi.as_view(),
         name="api-underwriting-policy"),
]
