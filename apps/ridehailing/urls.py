from django.urls import path

from . import views

app_name = "ridehailing"

urlpatterns = [
    path("", views.feed_list, name="feeds"),
    path("deliveries/<str:number>/", views.delivery_detail, name="delivery"),
]
