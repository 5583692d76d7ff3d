"""The one COPY writer: rows into a model's table with PostgreSQL ``COPY … FROM STDIN`` (psycopg 3).

COPY moves rows several times faster than a multi-row INSERT. Two callers, one mechanism:

* ``copy_insert(model, objects)``: the importers' set-based paths (``apps.vehicles.services.vehicles_bulk_upsert``)
  insert new model instances exactly as ``save()`` would write them;
* ``copy_values(model, rows)``: generated data (``manage.py generate_city``) whose values are already in their
  database form (personal fields encrypted and blind-indexed by the caller).

``copy_rows(…, table=)`` writes into a staging table instead (``apps.ridehailing``: a delivery's operating records
are copied into a temporary table, then inserted into the day partitions by one ``INSERT … ON CONFLICT DO NOTHING``).

Both reserve primary keys from the table's sequence first (``reserve_ids``) and write through ``copy_rows``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

from apps.core.crypto import BlindIndexField, EncryptedTextField


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys taken from the model's sequence (as INSERTs would take them), in order."""
    if count <= 0:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, count])
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model: type[models.Model], fields: Sequence[models.Field], rows: Iterable[Sequence[Any]], *,
              table: str | None = None) -> None:
    """COPY ``rows`` (one value per field of ``fields``, in that order, each in its database form or a Python
    value psycopg adapts: dates, Decimals, booleans, None) into the model's table, or into ``table`` (a staging
    table with the model's column names, e.g. a temporary table the caller created)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(table or model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def copy_insert(model: type[models.Model], objects: list) -> None:
    """Insert new model instances with COPY, exactly as ``save()`` would write them: every field's ``pre_save``
    (auto_now, blind indexes) and ``get_db_prep_save`` (encryption, Decimal, dates) run as in Django's own INSERT;
    primary keys are reserved from the table's sequence first and set on the instances.

    The database form of a value of a plain field depends on the value alone, so it is computed once per distinct
    value (a chunk repeats seats, usage natures, companies, dates); ``auto_now`` fields take one instant for the
    whole statement; encrypted fields (every token has its own IV) and blind indexes (derived from their source)
    run for every row."""

    if not objects:
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    plain, special, stamped = [], [], []
    for i, f in enumerate(fields):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            stamped.append(f)
        elif isinstance(f, (EncryptedTextField, BlindIndexField)):
            special.append((i, f))
        else:
            plain.append((i, f.attname, f, {}, type(f) in (models.CharField, models.TextField)))

    def database_row(obj) -> list:
        row: list = [None] * len(fields)
        for i, attname, f, memo, text in plain:
            value = getattr(obj, attname)
            if text and (value is None or type(value) is str):
                row[i] = value  # what CharField/TextField.get_db_prep_save returns for these
                continue
            try:
                row[i] = memo[value]
            except KeyError:
                row[i] = memo[value] = f.get_db_prep_save(value, connection)
            except TypeError:  # an unhashable value
                row[i] = f.get_db_prep_save(value, connection)
        for i, f in special:
            row[i] = f.get_db_prep_save(f.pre_save(obj, True), connection)
        return row

    stamps = {f: f.get_db_prep_save(now, connection) for f in stamped}
    positions = {f: fields.index(f) for f in stamped}
    ids = reserve_ids(model, len(objects))
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
        for f in stamped:
            setattr(obj, f.attname, now)

    def database_rows():
        for obj in objects:
            row = database_row(obj)
            for f, position in positions.items():
                row[position] = stamps[f]
            yield [obj.pk, *row]

    copy_rows(model, [meta.pk, *fields], database_rows())


def copy_values(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """COPY rows given as dicts keyed by attname, every value already in its database form (personal fields
    encrypted by the caller, the primary key reserved with ``reserve_ids``); a field missing from the first row
    takes its default in every row."""
    if not rows:
        return
    fields = list(model._meta.concrete_fields)
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in rows[0]}
    copy_rows(model, fields, ([row[f.attname] if f.attname in row else defaults[f.attname] for f in fields]
                              for row in rows))
