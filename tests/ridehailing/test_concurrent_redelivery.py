"""Redelivery while the first delivery is still being stored (two requests at once, real PostgreSQL transactions):
the record is stored once, the other request answers unchanged/duplicate, and the aggregate counts the trip once."""

from __future__ import annotations

import pytest

from apps.ridehailing import services
from apps.ridehailing.models import OperatingRecord, VehicleDay, VehicleVersion
from tests.helpers import in_threads

from .conftest import vehicle_record
from .test_operating_data import at, depart


@pytest.fixture
def raw_table_emptied():
    """Django's flush after a transactional test empties the managed tables only: the raw records' partitioned table
    (not managed by Django) is emptied here, before and after, and the day partitions made are dropped."""

    def empty():
        from django.db import connection

        from apps.ridehailing import partitions

        with connection.cursor() as cursor:
            for name in partitions.existing():
                cursor.execute(f'DROP TABLE "{name}"')

    empty()
    yield
    empty()


def _at_once(feed, account, interface, records) -> list[str]:
    runs = in_threads(lambda: services.ingest(feed=feed, interface=interface, records=records, actor=account),
                      together=True)
    return sorted(r["outcome"] for _delivery, results in runs for r in results)


@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_twice_at_once_stores_each_record_once(transactional_db, raw_table_emptied, rh):
    base = _at_once(rh.feed_a, rh.account_a, "baseInfoVehicle", [vehicle_record()])
    assert base == ["added", "unchanged"]
    assert VehicleVersion.objects.filter(is_current=True).count() == 1
    events = _at_once(rh.feed_a, rh.account_a, "operateDepart", [depart("O-1", at(9)), depart("O-2", at(10))])
    assert events == ["duplicate", "duplicate", "stored", "stored"]
    assert OperatingRecord.objects.count() == 2
    assert VehicleDay.objects.get().trips == 2
