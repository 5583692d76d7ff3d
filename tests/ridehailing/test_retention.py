"""Raw operating records are kept RIDEHAILING_RAW_RETENTION_DAYS (default 184) and then their day partitions are
dropped by the retention sweep; the aggregate stays. The national rules keep operating data at least 6 months: a
setting below 184 days (the longest six calendar months) is refused by the sweep, the command and a system check."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command

from apps.core.errors import ApplicationError
from apps.parties.rights import SystemActor
from apps.ridehailing import partitions, services
from apps.ridehailing.models import OperatingRecord, VehicleDay
from tests import clock

from .conftest import post, stamp
from .test_operating_data import depart

SWEEP = SystemActor("ridehailing.retention")


def test_the_sweep_drops_the_partitions_older_than_the_retention_and_keeps_the_aggregate(rh):
    old_day, kept_day = clock.TODAY - dt.timedelta(days=10), clock.TODAY - dt.timedelta(days=2)
    for day, order in ((old_day, "O-old"), (kept_day, "O-kept")):
        time = stamp(dt.datetime(day.year, day.month, day.day, 9, tzinfo=clock.SHANGHAI))
        assert post(rh.client_a, "operateDepart", [depart(order, time)]).json()["results"][0]["outcome"] == "stored"
    assert {partitions.partition_name(old_day), partitions.partition_name(kept_day)} <= set(partitions.existing())
    assert services.retention_sweep(actor=SWEEP) == []  # both younger than 184 days
    # 174 days on, the older day is 184 days old: still kept; a day later it is 185 days old and dropped
    with time_machine.travel(clock.NOW + dt.timedelta(days=174), tick=False):
        assert services.retention_sweep(actor=SWEEP) == []
    with time_machine.travel(clock.NOW + dt.timedelta(days=175), tick=False):
        assert services.retention_sweep(actor=SWEEP) == [partitions.partition_name(old_day)]
    assert partitions.partition_name(old_day) not in partitions.existing()
    assert list(OperatingRecord.objects.values_list("order_id", flat=True)) == ["O-kept"]
    assert VehicleDay.objects.filter(day=old_day, trips=1).exists()  # the aggregate is kept


def test_a_retention_below_six_months_is_refused(rh, settings):
    day = clock.TODAY - dt.timedelta(days=3)
    partitions.ensure([day])
    settings.RIDEHAILING_RAW_RETENTION_DAYS = 183
    with pytest.raises(ApplicationError) as refused:
        services.retention_sweep(actor=SWEEP, today=clock.TODAY + dt.timedelta(days=400))
    assert refused.value.code == "retention_too_short"
    assert partitions.partition_name(day) in partitions.existing()  # nothing dropped
    assert [e.id for e in partitions.check_retention_setting()] == ["ridehailing.E001"]
    with pytest.raises(CommandError):
        call_command("ridehailing_retention")
    settings.RIDEHAILING_RAW_RETENTION_DAYS = 184
    assert partitions.check_retention_setting() == []


def test_only_the_platform_job_drops_partitions(rh):
    from apps.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.retention_sweep(actor=rh.parties.transport_user)
