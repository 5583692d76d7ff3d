from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    # public, no account (rule M16)
    path("report/", views.report, name="report"),
    path("report/done/", views.report_done, name="report_done"),
    path("status/", views.status, name="status"),
    # staff desk
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_new, name="staff_new"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/photos/<int:photo_pk>/", views.staff_photo, name="staff_photo"),
    path("staff/<int:pk>/<slug:op>/", views.staff_action, name="staff_action"),
]
