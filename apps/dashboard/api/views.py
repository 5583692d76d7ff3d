"""Chart data as JSON (``/api/v1/dashboard/charts/…``): what the dashboard page draws, for any client.

The figures are the requesting user's audience's (apps.parties.access); a chart the user's party has no data for
answers 404, like any object outside the audience.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import charts
from ..periods import period_from

PERIOD_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.STR, description="first month, YYYY-MM (default: DASHBOARD_DEFAULT_MONTHS months ending with `to`)"),
    OpenApiParameter("to", OpenApiTypes.STR, description="last month, YYYY-MM (default: the current month)"),
]


class ChartListApi(APIView):
    """The charts the user may see, with their titles."""

    @extend_schema(operation_id="dashboard_charts_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response({"results": [
            {"key": spec.key, "title": str(spec.title), "description": str(spec.description),
             "url": request.build_absolute_uri(reverse("api-dashboard-chart", args=[spec.key]))}
            for spec in charts.charts_for(request.user)
        ]})


class ChartDataApi(APIView):
    """One chart: its table (``columns``, ``rows`` — the CSV's content) and the Chart.js panels drawn from it."""

    @extend_schema(operation_id="dashboard_chart_data", responses=OpenApiTypes.OBJECT, parameters=[
        OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH,
                         enum=list(charts.CHARTS), description="the chart"),
        *PERIOD_PARAMETERS,
    ])
    def get(self, request, key: str):
        spec = charts.chart_for(request.user, key)
        if spec is None:
            raise Http404
        period = period_from(request.query_params)
        data = spec.build(request.user, period)
        csv_url = "{}?from={from}&to={to}".format(reverse("dashboard:chart-csv", args=[key]), **period.as_query())
        return Response(charts.payload(spec, data, period, csv_url=csv_url))
