from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/charts/", views.ChartListApi.as_view(), name="api-dashboard-charts"),
    path("dashboard/charts/<slug:key>/", views.ChartDataApi.as_view(), name="api-dashboard-chart"),
]
