from django.urls import path

from . import views

urlpatterns = [
    path("", views.claim_list, name="claims-list"),
    path("new/", views.claim_create, name="claims-create"),
    path("<int:pk>/", views.claim_detail, name="claims-detail"),
    path("<int:pk>/action/<str:action>/", views.claim_action, name="claims-action"),
    path("<int:pk>/refusal-notice.pdf", views.claim_refusal_notice, name="claims-refusal-notice"),
    path("sla/", views.sla, name="claims-sla"),
    path("sla/breaches/", views.sla_breaches, name="claims-sla-breaches"),
    path("analytics/", views.analytics_overview, name="claims-analytics"),
    path("analytics/thresholds/", views.thresholds_update, name="claims-thresholds-update"),
    path("analytics/run/", views.analytics_run_now, name="claims-analytics-run"),
    path("checks/", views.check_list, name="claims-checks"),
    path("checks/<int:pk>/", views.check_detail, name="claims-check-detail"),
]
