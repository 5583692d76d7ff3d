"""The project's URLs plus two views that fail, for the error-page tests (tests/core/test_error_pages.py)."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from liuzhou_regulation.urls import urlpatterns as project_urlpatterns


def refuse(request):
    raise PermissionDenied


def fail(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("test-refuse/", refuse), path("test-fail/", fail), *project_urlpatterns]
