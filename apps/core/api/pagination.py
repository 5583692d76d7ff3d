from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from apps.core.pagination import COUNT_BOUND, BoundedPaginator, InvalidCursor, Keyset


class Pagination(PageNumberPagination):
    """Every list of the API: pages of ``PAGE_SIZE`` (50; ``?page_size=`` up to 500).

    ``count`` is exact up to 10,000 rows; above, it says 10,000 and ``count_bounded`` is true. ``?page=N`` jumps
    to a page within the bound; ``next`` is a keyset cursor (``?cursor=k.…``, apps.core.pagination) after the
    page's last row, so following ``next`` reaches every row of the list, past the bound, at the same cost per
    page; a cursor page's ``previous`` is a cursor before its first row. A list without a keyset (a Python list, an
    ordering by an expression or a related field) has page-number links only. A cursor that was not made by the
    list is a 400 (``invalid_cursor``)."""

    django_paginator_class = BoundedPaginator
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.keyset = Keyset.of(queryset) if isinstance(queryset, QuerySet) else None
        self.cursor_page = None
        token = request.query_params.get(self.cursor_query_param)
        if token is None:
            rows = super().paginate_queryset(queryset, request, view)
            self.paginator = self.page.paginator if rows is not None else None
            return rows
        if self.keyset is None:
            raise InvalidCursor
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        self.paginator = self.django_paginator_class(queryset, page_size)
        self.cursor_page = self.paginator.cursor_page(token)
        return list(self.cursor_page.object_list)

    def get_next_link(self):
        if self.cursor_page is not None:
            return self._cursor_link(self.cursor_page.next_cursor)
        if self.keyset is None or not self.page.object_list:
            return super().get_next_link()
        if not self.page.has_next() and not self.page.paginator.bounded:
            return None
        rows = self.page.object_list
        return self._cursor_link(self.keyset.encode(rows[len(rows) - 1]))

    def get_previous_link(self):
        if self.cursor_page is not None:
            return self._cursor_link(self.cursor_page.previous_cursor)
        return super().get_previous_link()

    def _cursor_link(self, cursor):
        if cursor is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        return Response({
            "count": self.paginator.count,
            "count_bounded": self.paginator.bounded,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"] = {
            "count": {**paginated["properties"]["count"],
                      "description": f"rows of the list, exact up to {COUNT_BOUND}"},
            "count_bounded": {"type": "boolean", "example": False,
                              "description": f"true: more than {COUNT_BOUND} rows, count says {COUNT_BOUND}"},
            "next": {**paginated["properties"]["next"],
                     "example": "http://api.example.org/accounts/?cursor=k.eyJvIjoiLWlkIi…",
                     "description": "the page after this one: a keyset cursor (?cursor=) when the list has one, "
                                    "else ?page=N+1; following it reaches every row"},
            "previous": {**paginated["properties"]["previous"],
                         "description": "the page before: ?page=N-1, or a cursor on a page reached by cursor"},
            "results": paginated["properties"]["results"],
        }
        paginated["required"] = ["count", "count_bounded", "results"]
        return paginated

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameters.append({
            "name": self.cursor_query_param, "required": False, "in": "query",
            "description": "keyset cursor from a `next` / `previous` link (opaque, signed); ?page= is ignored with it",
            "schema": {"type": "string"},
        })
        return parameters
