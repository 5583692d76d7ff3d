from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from apps.core.pagination import COUNT_BOUND, BoundedPaginator


class Pagination(PageNumberPagination):
    """Every list of the API: pages of ``PAGE_SIZE`` (50; ``?page_size=`` up to 500). ``count`` is exact up to
    10,000 rows; above, it says 10,000 and ``count_bounded`` is true (the pages reach that far; narrow the list
    with its filters to see further)."""

    django_paginator_class = BoundedPaginator
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response(self, data):
        return Response({
            "count": self.page.paginator.count,
            "count_bounded": self.page.paginator.bounded,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"] = {
            "count": paginated["properties"]["count"],
            "count_bounded": {"type": "boolean", "example": False,
                              "description": f"true: more than {COUNT_BOUND} rows, count says {COUNT_BOUND}"},
            **{k: v for k, v in paginated["properties"].items() if k != "count"},
        }
        paginated["required"] = ["count", "count_bounded", "results"]
        return paginated
