"""A vehicle's registration date (注册登记日期) cannot lie in the future: the form and an import row refuse it with a
message naming the field and today's date (tomorrow used to pass)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.imports import services
from apps.imports.models import ImportJob, ImportRowError
from apps.vehicles.models import Vehicle
from tests.factories import make_resident_id
from tests.imports.helpers import VEHICLE_HEADERS, csv_bytes, upload, vehicle_rows
from tests.vehicles.factories import make_plate, make_vin

pytestmark = pytest.mark.django_db


def test_the_vehicle_form_refuses_tomorrow_as_registration_date(client, parties):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    client.force_login(parties.company_a_user)
    response = client.post(reverse("vehicles:create"), {
        "plate": make_plate(8101), "vin": make_vin(8101), "seats": "5", "usage_nature": "ride_hailing",
        "owner_name": "韦小宝", "owner_id_no": make_resident_id(seq=101), "registered_on": tomorrow.isoformat(),
        "status": Vehicle.Status.NORMAL})
    assert response.status_code == 400  # the form again, with the error on the field
    errors = response.context["form"].errors
    assert "registered_on" in errors, errors
    assert "晚于今天" in errors["registered_on"][0]
    assert not Vehicle.objects.filter(vin=make_vin(8101)).exists()


def test_an_import_row_with_a_future_registration_date_is_refused_on_that_column(parties, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    later = timezone.localdate() + dt.timedelta(days=30)
    rows = vehicle_rows(2, start=8200)
    rows[1][VEHICLE_HEADERS.index("注册登记日期")] = later.isoformat()
    job = services.import_job_create(actor=parties.transport_user, kind="vehicles",
                                     upload=upload(csv_bytes(VEHICLE_HEADERS, rows)))
    assert job.status == ImportJob.Status.PREVIEWED
    assert (job.valid, job.invalid) == (1, 1)
    error = ImportRowError.objects.get(job=job)
    assert (error.row_number, error.column) == (3, "注册登记日期")
    assert "晚于今天" in error.reason
