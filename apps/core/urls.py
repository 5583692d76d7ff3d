from django.urls import path

from . import views

urlpatterns = [
    path("due/", views.due, name="deadlines-due"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications-read"),
]
