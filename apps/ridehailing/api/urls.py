from django.urls import re_path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("ridehailing/deliveries", views.DeliveryViewSet, basename="ridehailing-delivery")
router.register("ridehailing/vehicle-days", views.VehicleDayViewSet, basename="ridehailing-vehicleday")

urlpatterns = [
    *router.urls,
    # /api/v1/ridehailing/baseInfoVehicle (the interface's own name), with or without a trailing slash
    re_path(r"^ridehailing/(?P<interface>[A-Za-z]+)/?$", views.InterfaceRecordsView.as_view(),
            name="ridehailing-records"),
]
