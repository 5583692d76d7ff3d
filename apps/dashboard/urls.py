from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.chart_page, name="charts"),
    path("charts/<slug:key>.csv", views.chart_csv, name="chart-csv"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("report/", views.report_page, name="report"),
    path("report/pdf/", views.report_pdf, name="report-pdf"),
    path("report/xlsx/", views.report_xlsx, name="report-xlsx"),
]
