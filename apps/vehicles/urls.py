from django.urls import path

from . import views

app_name = "vehicles"

urlpatterns = [
    path("", views.VehicleListView.as_view(), name="list"),
    path("new/", views.vehicle_form, name="create"),
    path("<int:pk>/", views.VehicleDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.vehicle_form, name="edit"),
    path("<int:pk>/reveal/<str:field>/", views.vehicle_reveal, name="reveal"),
    path("online/", views.vehicle_online, name="online"),
    path("permits/", views.PermitListView.as_view(), name="permits"),
    path("permits/new/", views.permit_form, name="permit_create"),
    path("permits/<int:pk>/edit/", views.permit_form, name="permit_edit"),
    path("drivers/", views.DriverListView.as_view(), name="drivers"),
    path("drivers/new/", views.driver_form, name="driver_create"),
    path("drivers/<int:pk>/", views.DriverDetailView.as_view(), name="driver"),
    path("drivers/<int:pk>/edit/", views.driver_form, name="driver_edit"),
    path("drivers/<int:pk>/reveal/<str:field>/", views.driver_reveal, name="driver_reveal"),
    path("onboarding/", views.onboarding, name="onboarding"),
    path("worklist/", views.worklist, name="worklist"),
]
