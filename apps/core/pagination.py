"""Paginators of every list, pages and API: the count is bounded, deep pages go by keyset.

Counting every row of a big table (policies, vehicles, claims, audit events) costs as much as reading them, on
every page. ``BoundedPaginator`` counts at most ``COUNT_BOUND + 1`` rows (``SELECT COUNT(*) FROM (… LIMIT n)``):
up to the bound the count is exact; above it the list says "more than 10,000" (``paginator.bounded``) and the
page numbers reach as far as the bound.

Past the bound (and for every ``next`` link of the API) a list moves by **keyset**: a cursor names the position
after (or before) a row by the values of the list's ordering fields plus the primary key as tie-breaker, and the
next page is ``WHERE (a, b, pk) < (…) ORDER BY a DESC, b DESC, pk DESC LIMIT n`` (or ``a <= x AND (a < x OR
(a = x AND …))`` for mixed directions or nullable fields) — an index range scan whose cost does not depend on how
deep the page is. ``Keyset.of(queryset)`` reads the queryset's ordering (its ``order_by``
or the model's ``Meta.ordering``) and supports plain concrete fields of the model, ascending or descending,
nullable ones included (PostgreSQL's defaults: NULLs last ascending, first descending — the comparison handles
them); a queryset ordered by anything else (an expression, a related model's field, ``?``), a ``distinct(...)``
or combined queryset, or a Python list has no keyset and keeps page numbers only.

A cursor is a token ``k.<signed JSON>`` (``django.core.signing``, salted): it cannot be forged or edited, and it
names the ordering it was made for. A tampered, truncated or foreign cursor raises ``InvalidCursor`` — a 400 with
a message in the user's language, on pages (``handler400``) and in the API (its error shape).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import BadRequest, FieldDoesNotExist, ValidationError
from django.core.paginator import Page, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from .errors import ApplicationError, ErrorCode

COUNT_BOUND = 10_000
CURSOR_PREFIX = "k."
_SALT = "apps.core.pagination.cursor"


class _CursorSerializer:
    """JSON with dates, datetimes, decimals and UUIDs (``DjangoJSONEncoder``); read back by the fields' ``to_python``."""

    def dumps(self, obj) -> bytes:
        return json.dumps(obj, cls=DjangoJSONEncoder, separators=(",", ":")).encode("latin-1")

    def loads(self, data: bytes):
        return json.loads(data.decode("latin-1"))


class InvalidCursor(ApplicationError, BadRequest):
    """A cursor that was not made by this list (edited, truncated, or of another ordering): 400."""

    def __init__(self):
        super().__init__(_("翻页链接无效或已被修改，请回到列表第一页重新翻页。"), code=ErrorCode.INVALID_CURSOR)


@dataclass(frozen=True)
class Position:
    """Where a keyset page starts: after (``backwards`` false) or before the row with these ordering values."""

    values: tuple
    backwards: bool = False


class Keyset:
    """The keyset of a queryset's ordering: ``fields`` (model fields) with their direction, the pk last."""

    def __init__(self, model: type[models.Model], fields: list[tuple[models.Field, bool]]):
        self.model = model
        self.fields = fields  # [(field, descending)]

    # --- building ----------------------------------------------------------------------------------------------
    @classmethod
    def of(cls, queryset) -> Keyset | None:
        """The keyset of ``queryset``'s ordering, or None when its ordering cannot be one (see the module doc)."""
        if not isinstance(queryset, QuerySet):
            return None
        query = queryset.query
        if query.combinator or query.distinct_fields or query.extra_order_by or query.values_select:
            return None
        ordering = list(query.order_by) or (list(queryset.model._meta.ordering) if query.default_ordering else [])
        opts = queryset.model._meta
        fields: list[tuple[models.Field, bool]] = []
        for item in ordering:
            if not isinstance(item, str) or item == "?":
                return None
            descending = item.startswith("-")
            name = item.lstrip("-+")
            if "__" in name or name in query.annotations:
                return None
            field = cls._field(opts, name)
            if field is None:
                return None
            if field not in [f for f, _d in fields]:
                fields.append((field, descending))
            if field.primary_key:
                break  # the rest cannot change the order
        if not any(f.primary_key for f, _d in fields):
            fields.append((opts.pk, fields[-1][1] if fields else False))
        return cls(queryset.model, fields)

    @staticmethod
    def _field(opts, name: str) -> models.Field | None:
        if name == "pk":
            return opts.pk
        try:
            field = opts.get_field(name)
        except FieldDoesNotExist:
            field = next((f for f in opts.concrete_fields if f.attname == name), None)
            return field if field is not None and field.is_relation and field.attname == name else None
        if not field.concrete or field.many_to_many or field.one_to_many:
            return None
        if field.is_relation:
            if field.attname != name and field.related_model._meta.ordering:
                return None  # ``order_by("fk")`` sorts by the related model's ordering, not by the column
        return field

    @property
    def signature(self) -> str:
        return ",".join(("-" if d else "") + f.attname for f, d in self.fields)

    def ordered(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` in the keyset's order (its own ordering, the pk appended as tie-breaker)."""
        return queryset.order_by(*[("-" if d else "") + f.attname for f, d in self.fields])

    # --- cursors -----------------------------------------------------------------------------------------------
    def values_of(self, row) -> tuple:
        if isinstance(row, dict):
            return tuple(row[f.attname] for f, _d in self.fields)
        return tuple(getattr(row, f.attname) for f, _d in self.fields)

    def encode(self, row, *, backwards: bool = False) -> str:
        """The cursor of the position after ``row`` (before it with ``backwards``)."""
        payload = {"o": self.signature, "v": self.values_of(row), "b": 1 if backwards else 0}
        return CURSOR_PREFIX + signing.dumps(payload, salt=_SALT, compress=True, serializer=_CursorSerializer)

    def decode(self, token: str) -> Position:
        """The position a cursor names; ``InvalidCursor`` unless this keyset made it."""
        if not isinstance(token, str) or not token.startswith(CURSOR_PREFIX):
            raise InvalidCursor
        try:
            payload = signing.loads(token[len(CURSOR_PREFIX):], salt=_SALT, serializer=_CursorSerializer)
        except (signing.BadSignature, ValueError, TypeError, UnicodeError) as exc:
            raise InvalidCursor from exc
        if (not isinstance(payload, dict) or payload.get("o") != self.signature
                or not isinstance(payload.get("v"), list) or len(payload["v"]) != len(self.fields)):
            raise InvalidCursor
        values = []
        for (field, _d), value in zip(self.fields, payload["v"], strict=True):
            if value is None and not field.null:
                raise InvalidCursor
            try:
                values.append(None if value is None else field.to_python(value))
            except (ValidationError, ValueError, TypeError) as exc:
                raise InvalidCursor from exc
        return Position(tuple(values), bool(payload.get("b")))

    # --- pages -------------------------------------------------------------------------------------------------
    @staticmethod
    def _after_q(fields: list[tuple[models.Field, bool]], values: tuple):
        """The filter "comes after ``values``" over ``fields`` [(field, descending)], NULLs where PostgreSQL puts
        them (last ascending, first descending). One direction and no NULL possible: the row comparison
        ``(a, b, pk) < (x, y, z)``, which an index on (a, b, pk) serves as a range; else the expansion
        ``a < x OR (a = x AND (b < y OR …))``."""
        directions = {d for _f, d in fields}
        if len(directions) == 1 and not any(f.null for f, _d in fields) and None not in values:
            lookup = TupleLessThan if directions.pop() else TupleGreaterThan
            return lookup(Tuple(*[F(f.attname) for f, _d in fields]), tuple(values))
        condition, same = Q(pk__in=[]), Q()
        for (field, descending), value in zip(fields, values, strict=True):
            name = field.attname
            if value is None:
                after = Q(**{f"{name}__isnull": False}) if descending else None
                equal = Q(**{f"{name}__isnull": True})
            else:
                after = Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
                if field.null and not descending:
                    after |= Q(**{f"{name}__isnull": True})
                equal = Q(**{name: value})
            if after is not None:
                condition |= same & after
            same &= equal
        return condition

    def segments(self, values: tuple, backwards: bool) -> list:
        """The filters, in the list's order, whose rows come after ``values`` (before them with ``backwards``).

        Each is an index range on the first ordering field: ``a <= x AND (a < x OR (a = x AND …))`` (or one row
        comparison), so a deep page costs what the first does. When the first field is nullable, its NULL rows
        (after the others ascending, before them descending) are a second segment ``a IS NULL`` read only when
        the first one runs out — an ``OR a IS NULL`` would make PostgreSQL scan the index from its start."""
        fields = [(f, d != backwards) for f, d in self.fields]
        (first, descending), rest, value = fields[0], fields[1:], values[0]
        rest_after = self._after_q(rest, values[1:]) if rest else Q(pk__in=[])
        name = first.attname
        if value is None:
            nulls = Q(**{f"{name}__isnull": True}) & rest_after
            return [nulls, Q(**{f"{name}__isnull": False})] if descending else [nulls]
        if not first.null:
            if len({d for _f, d in fields}) == 1 and not any(f.null for f, _d in fields) and None not in values:
                return [self._after_q(fields, values)]
        bound = Q(**{f"{name}__{'lte' if descending else 'gte'}": value})
        comparison = Q(**{f"{name}__{'lt' if descending else 'gt'}": value}) | (Q(**{name: value}) & rest_after)
        segments = [bound & comparison]
        if first.null and not descending:
            segments.append(Q(**{f"{name}__isnull": True}))
        return segments

    def page_querysets(self, queryset: QuerySet, position: Position) -> list[QuerySet]:
        """The querysets whose rows follow ``position`` (in the reading direction), one per segment."""
        ordered = self.ordered(queryset)
        if position.backwards:
            ordered = ordered.reverse()
        return [ordered.filter(segment) for segment in self.segments(position.values, position.backwards)]

    def page(self, queryset: QuerySet, position: Position, size: int) -> KeysetRows:
        """The ``size`` rows after (before) ``position``, in the list's order, with whether more lie beyond."""
        rows: list = []
        for segment in self.page_querysets(queryset, position):
            rows.extend(segment[:size + 1 - len(rows)])
            if len(rows) > size:
                break
        more = len(rows) > size
        rows = rows[:size]
        if position.backwards:
            rows.reverse()
        return KeysetRows(rows, more_after=True if position.backwards else more,
                          more_before=more if position.backwards else True)


@dataclass
class KeysetRows:
    rows: list
    more_after: bool
    more_before: bool


class BoundedPaginator(Paginator):
    """Django's paginator with a bounded count; ``get_page`` also takes a cursor (``k.…``) for a keyset page."""

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

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, error_messages=None):
        self.keyset = Keyset.of(object_list)
        if self.keyset is not None:
            # the numbered pages in the keyset's order too, so the cursor after the last one continues them
            object_list = self.keyset.ordered(object_list)
        super().__init__(object_list, per_page, orphans, allow_empty_first_page, error_messages)

    def page(self, number):
        page = super().page(number)
        page.cursor_after = self._cursor_after(page)
        return page

    def _cursor_after(self, page) -> str | None:
        """The cursor of the rows after a numbered page, when the page numbers stop there but the list does not."""
        if self.keyset is None or not page.object_list or page.has_next() or not self.bounded:
            return None
        return self.keyset.encode(page.object_list[len(page.object_list) - 1])

    def get_page(self, number):
        """A numbered page (Django's rules), or — for ``k.…`` — the keyset page that cursor names
        (``InvalidCursor``, a 400, when it is not one of this list's)."""
        if isinstance(number, str) and number.startswith(CURSOR_PREFIX) and self.keyset is not None:
            return self.cursor_page(number)
        if isinstance(number, str) and number.startswith(CURSOR_PREFIX):
            raise InvalidCursor
        return super().get_page(number)

    def cursor_page(self, token: str) -> KeysetPage:
        position = self.keyset.decode(token)
        found = self.keyset.page(self.object_list, position, self.per_page)
        return KeysetPage(found, self)


class BoundedListMixin:
    """For a ``ListView``: the bounded paginator, and ``?page=k.…`` (a cursor) gives the keyset page it names."""

    paginator_class = BoundedPaginator

    def paginate_queryset(self, queryset, page_size):
        token = self.request.GET.get(self.page_kwarg) or ""
        if token.startswith(CURSOR_PREFIX):
            paginator = self.get_paginator(queryset, page_size, orphans=self.get_paginate_orphans(),
                                           allow_empty_first_page=self.get_allow_empty())
            page = paginator.get_page(token)
            return paginator, page, page.object_list, page.has_other_pages()
        return super().paginate_queryset(queryset, page_size)


class KeysetPage(Page):
    """A page reached by a cursor: no number; ``previous_cursor`` / ``next_cursor`` move by keyset."""

    is_keyset = True

    def __init__(self, found: KeysetRows, paginator: BoundedPaginator):
        super().__init__(found.rows, None, paginator)
        keyset = paginator.keyset
        self.next_cursor = keyset.encode(found.rows[-1]) if found.rows and found.more_after else None
        self.previous_cursor = keyset.encode(found.rows[0], backwards=True) if found.rows and found.more_before \
            else None
        self.cursor_after = self.next_cursor

    def has_next(self) -> bool:
        return self.next_cursor is not None

    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    def next_page_number(self):
        return self.next_cursor

    def previous_page_number(self):
        return self.previous_cursor

    def start_index(self):
        return None

    def end_index(self):
        return None

    def __repr__(self) -> str:
        return "<Page by cursor>"
