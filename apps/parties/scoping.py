"""Base classes whose queryset comes only from the access module (PostHog-style: cannot be skipped)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from rest_framework import permissions, viewsets

from . import access

_FORBIDDEN_OVERRIDES = ("get_queryset", "get_object")


class _NoScopeOverride:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_scope_base"):
            return
        for name in _FORBIDDEN_OVERRIDES:
            if name in cls.__dict__:
                raise ImproperlyConfigured(
                    f"{cls.__name__} overrides {name}(); narrow `queryset` or use `filter_queryset` instead — "
                    "the audience comes from apps.parties.access only."
                )


class RoleModelPermissions(permissions.DjangoModelPermissions):
    """Model permissions of the user's role group, including ``view`` for reads."""

    perms_map = {**permissions.DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"],
                 "HEAD": ["%(app_label)s.view_%(model_name)s"], "OPTIONS": []}


class ScopedViewSetMixin(_NoScopeOverride):
    """``queryset`` says which model and which joins; the audience rule narrows it for the request's user."""

    _scope_base = True
    permission_classes = [permissions.IsAuthenticated, RoleModelPermissions]

    def get_queryset(self):
        return access.visible(self.request.user, self.queryset)

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        obj = access.get_for_user(self.request.user, queryset, **{self.lookup_field: self.kwargs[lookup_url_kwarg]})
        self.check_object_permissions(self.request, obj)
        return obj


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class ScopedPageMixin(LoginRequiredMixin, _NoScopeOverride):
    """For Django ListView/DetailView pages: ``queryset`` narrowed by the access module; 404 outside it.

    ``required_perms`` (model permission codenames) are checked against the user's role group.
    """

    _scope_base = True
    queryset = None
    required_perms: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.required_perms and not request.user.has_perms(self.required_perms):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return access.visible(self.request.user, self.queryset)

    def get_object(self, queryset=None):
        queryset = queryset if queryset is not None else self.get_queryset()
        return access.get_for_user(self.request.user, queryset, pk=self.kwargs[self.pk_url_kwarg])
