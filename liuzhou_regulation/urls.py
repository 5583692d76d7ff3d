from csp.decorators import csp_update
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic.base import RedirectView
from drf_spectacular.views import SpectacularSwaggerSplitView

from apps.core.api.errors import api_not_found
from apps.core.api.schema import SchemaView
from apps.dashboard import views as dashboard_views

# where drf-spectacular's Swagger UI loads its bundle from (SPECTACULAR_SETTINGS SWAGGER_UI_DIST default)
SWAGGER_CDN = "https://cdn.jsdelivr.net"

admin.site.site_header = _("柳州市客运车辆保险联合监管平台 · 管理")
admin.site.site_title = _("联合监管平台管理")

class FaviconRedirect(RedirectView):
    """/favicon.ico → the static icon; its URL is resolved per request (in production the static files manifest
    names it, and the manifest is read only once the files are collected)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


api_v1 = [
    path("", include("apps.parties.api.urls")),
    path("", include("apps.core.api.urls")),
    path("", include("apps.imports.api.urls")),
    path("", include("apps.exchange.api.urls")),
    path("", include("apps.vehicles.api.urls")),
    path("", include("apps.policies.api.urls")),
    path("", include("apps.leads.api.urls")),
    path("", include("apps.rescissions.api.urls")),
    path("", include("apps.claims.api.urls")),
    path("", include("apps.complaints.api.urls")),
    path("", include("apps.credit.api.urls")),
    path("", include("apps.inspections.api.urls")),
    path("", include("apps.dashboard.api.urls")),
    path("", include("apps.ridehailing.api.urls")),
]

urlpatterns = [
    path("", dashboard_views.home, name="home"),  # the role's dashboard (apps.dashboard)
    path("", include("apps.parties.urls")),
    path("", include("apps.core.urls")),
    path("", include("apps.imports.urls")),
    path("exchange/", include("apps.exchange.urls")),
    path("vehicles/", include("apps.vehicles.urls")),
    path("policies/", include("apps.policies.urls")),
    path("leads/", include("apps.leads.urls")),
    path("rescissions/", include("apps.rescissions.urls")),
    path("claims/", include("apps.claims.urls")),
    path("complaints/", include("apps.complaints.urls")),
    path("credit/", include("apps.credit.urls")),
    path("inspections/", include("apps.inspections.urls")),
    path("dashboard/", include("apps.dashboard.urls")),
    path("ridehailing/", include("apps.ridehailing.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # browsers and bookmark tools ask for /favicon.ico whatever the page's <link rel=icon> says
    path("favicon.ico", FaviconRedirect.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    re_path(r"^api/v1/", api_not_found),  # unknown API paths answer in the API's one error shape
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # Swagger UI: its own script served from this view (?script), the UI bundle from its CDN (the CSP names it)
    path("api/docs/", csp_update({"script-src": [SWAGGER_CDN], "style-src": [SWAGGER_CDN], "img-src": [SWAGGER_CDN]})(
        SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
]

# a 400 page in the user's language (a list's tampered page cursor says so: apps.core.pagination)
handler400 = "apps.core.views.bad_request"
