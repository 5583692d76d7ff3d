from django.urls import path

from . import views

# mounted under /api/v1/ (liuzhou_regulation/urls.py); the names are the ones the kernel gave them
urlpatterns = [
    path("imports/", views.ImportJobListApi.as_view(), name="api-import-list"),
    path("imports/<int:pk>/", views.ImportJobApi.as_view(), name="api-import-detail"),
    path("imports/<int:pk>/start/", views.ImportJobStartApi.as_view(), name="api-import-start"),
    path("imports/<int:pk>/discard/", views.ImportJobDiscardApi.as_view(), name="api-import-discard"),
]
