"""Re-importing vehicles the register already holds: the importer compares the personal fields through their blind
indexes (the ciphertext is neither read nor decrypted), reads only the columns the file gives, and still sees every
change — a new owner, a new ID number, and a change of letter case the index cannot tell."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core import crypto
from apps.vehicles.models import Vehicle
from apps.vehicles.rows import VEHICLE_ROWS
from apps.vehicles.services import vehicles_bulk_upsert
from tests.factories import make_resident_id
from tests.vehicles.factories import make_plate, make_vin


def _rows(owner: str, id_no: str, start: int = 8100, n: int = 3):
    raw = [{"号牌号码": make_plate(i), "车辆识别代号": make_vin(i), "核定载客人数": "5", "使用性质": "预约出租客运",
            "所有人": owner, "所有人证件号码": id_no} for i in range(start, start + n)]
    return [(number, VEHICLE_ROWS.parse(row)) for number, row in enumerate(raw, start=2)]


def _outcomes(results) -> list[str]:
    return [r[1] for r in results]


def _select_of_existing(queries) -> str:
    return next(q["sql"] for q in queries if q["sql"].startswith("SELECT") and "FOR UPDATE" in q["sql"])


def test_reimport_of_unchanged_rows_reads_no_ciphertext_and_writes_nothing(parties):
    user = parties.transport_user
    id_no = make_resident_id(seq=21)
    assert _outcomes(vehicles_bulk_upsert(actor=user, job=None, rows=_rows("韦明", id_no))) == ["created"] * 3
    with CaptureQueriesContext(connection) as queries:
        results = vehicles_bulk_upsert(actor=user, job=None, rows=_rows("韦明", id_no))
    assert _outcomes(results) == ["unchanged"] * 3
    select = _select_of_existing(queries.captured_queries)
    assert '"owner_name_bidx"' in select and '"owner_id_no_bidx"' in select
    assert '"owner_name",' not in select and '"owner_id_no",' not in select  # the ciphertext columns are not read
    assert '"engine_no"' not in select  # nor a column the file does not give
    assert not any(q["sql"].startswith("UPDATE") for q in queries.captured_queries)


def test_reimport_sees_a_new_owner_and_id_number_and_stores_them_encrypted(parties):
    user = parties.transport_user
    vehicles_bulk_upsert(actor=user, job=None, rows=_rows("韦明", make_resident_id(seq=22)))
    new_id = make_resident_id(seq=23)
    assert _outcomes(vehicles_bulk_upsert(actor=user, job=None, rows=_rows("覃芳", new_id))) == ["updated"] * 3
    vehicle = Vehicle.objects.get(vin=make_vin(8100))
    assert (vehicle.owner_name, vehicle.owner_id_no) == ("覃芳", new_id)
    assert vehicle.owner_name_bidx == crypto.blind_index("覃芳") and vehicle.owner_id_no_bidx == crypto.blind_index(new_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT owner_name FROM vehicles_vehicle WHERE id = %s", [vehicle.pk])
        assert cursor.fetchone()[0] != "覃芳"  # a Fernet token in the database


def test_reimport_sees_a_change_of_letter_case_the_blind_index_cannot_tell(parties):
    user = parties.transport_user
    id_no = make_resident_id(seq=24)
    vehicles_bulk_upsert(actor=user, job=None, rows=_rows("Liuzhou Auto", id_no, n=1))
    assert crypto.blind_index("LIUZHOU AUTO") == crypto.blind_index("Liuzhou Auto")
    assert _outcomes(vehicles_bulk_upsert(actor=user, job=None, rows=_rows("Liuzhou Auto", id_no, n=1))) == [
        "unchanged"]
    assert _outcomes(vehicles_bulk_upsert(actor=user, job=None, rows=_rows("LIUZHOU AUTO", id_no, n=1))) == [
        "updated"]
    assert Vehicle.objects.get(vin=make_vin(8100)).owner_name == "LIUZHOU AUTO"
