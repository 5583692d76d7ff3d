"""generate_city: a realistic, valid and idempotent city (the demo default and the benchmark data)."""

from django.core.management import call_command
from django.utils import timezone

from apps.core.validators import normalize_plate, normalize_resident_id, normalize_vin
from apps.demo.management.commands.generate_city import Plan, generate_city
from apps.policies.models import Coverage, Policy
from apps.policies.verification import Finding, verify_vehicles
from apps.vehicles.models import Driver, OperatingPermit, Vehicle
from apps.vehicles.usage import is_operating


def test_city_is_valid_realistic_and_idempotent(parties):
    totals = generate_city(Plan(policies=600, seed=7, chunk=100))
    assert totals["policies"] == 600 == Policy.objects.count()
    assert totals["vehicles"] == Vehicle.objects.count() > 80
    assert Coverage.objects.count() == totals["coverages"]
    for vehicle in Vehicle.objects.all():
        assert normalize_plate(vehicle.plate) == vehicle.plate and vehicle.plate.startswith("桂B")
        assert normalize_vin(vehicle.vin) == vehicle.vin  # check digit valid
        assert vehicle.owner_name  # decrypts
    for driver in Driver.objects.all():
        number, _warnings = normalize_resident_id(driver.id_no)
        assert number == driver.id_no
    assert OperatingPermit.objects.exists()
    # the blind index matches what the model field computes
    driver = Driver.objects.first()
    assert Driver.objects.filter(id_no_bidx=Driver._meta.get_field("id_no_bidx").pre_save(driver, False)).count() == 1

    # the cases the platform is for are present: operating vehicles insured as non-operating (M6)
    operating = Vehicle.objects.filter(usage_nature__in=["ride_hailing", "cruising_taxi"])
    results = verify_vehicles(operating, timezone.now())
    findings = {r.finding for r in results.values()}
    assert Finding.INSURED_AS_OPERATING in findings
    wrong = Policy.objects.filter(vehicle__in=operating, status=Policy.Status.ACTIVE).exclude(
        usage_nature_insured__in=["ride_hailing", "cruising_taxi", "highway_passenger"])
    assert wrong.exists()
    assert all(not is_operating(p.usage_nature_insured) for p in wrong)

    assert generate_city(Plan(policies=600, seed=7, chunk=100)) is None  # idempotent
    call_command("generate_city", policies=600, seed=7)
    assert Policy.objects.count() == 600
