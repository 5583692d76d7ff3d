"""Paginators of every list, pages and API: the count is bounded.

Counting every row of a big table (policies, vehicles, claims, audit events) costs as much as reading them, on
every page. ``BoundedPaginator`` counts at most ``COUNT_BOUND + 1`` rows (``SELECT COUNT(*) FROM (… LIMIT n)``):
up to the bound the count is exact; above it the list says "more than 10,000" (``paginator.bounded``) and the
pages reach as far as the bound — narrow the list with its filters to see further.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_BOUND = 10_000


class BoundedPaginator(Paginator):
    bound = COUNT_BOUND

    @cached_property
    def _bounded_count(self) -> tuple[int, bool]:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            counted = rows.order_by()[: self.bound + 1].count()
        else:
            counted = len(rows)
        return min(counted, self.bound), counted > self.bound

    @cached_property
    def count(self) -> int:
        """The number of rows, at most ``bound`` (then ``bounded`` is true)."""
        return self._bounded_count[0]

    @property
    def bounded(self) -> bool:
        """Whether there are more rows than ``count`` says."""
        return self._bounded_count[1]
