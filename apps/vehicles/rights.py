"""Who may do what with vehicles, permits, drivers and onboarding checks (rows narrowed by access.py)."""

from apps.parties.models import Role
from apps.parties.rights import SYSTEM

_VIEW_ALL = [
    "vehicles.view_vehicle", "vehicles.view_operatingpermit", "vehicles.view_driver",
    "vehicles.view_driverassignment", "vehicles.view_onboardingcheck",
]
RIGHTS = {
    # Rule M9: a company keeps its own ledger of vehicles and drivers and checks a vehicle before it goes online.
    Role.TAXI_COMPANY_STAFF: [
        "vehicles.view_vehicle", "vehicles.add_vehicle", "vehicles.change_vehicle",
        "vehicles.view_driver", "vehicles.add_driver", "vehicles.change_driver",
        "vehicles.view_driverassignment", "vehicles.add_driverassignment", "vehicles.change_driverassignment",
        "vehicles.view_operatingpermit",
        "vehicles.view_onboardingcheck", "vehicles.add_onboardingcheck",
    ],
    # Transport issues permits and keeps the register of operating vehicles it pushes (rule M6).
    Role.TRANSPORT_OFFICER: [
        *_VIEW_ALL, "vehicles.add_operatingpermit", "vehicles.change_operatingpermit",
        "vehicles.add_vehicle", "vehicles.change_vehicle",
    ],
    Role.REGULATOR_STAFF: list(_VIEW_ALL),
    Role.INSURANCE_ASSOCIATION_STAFF: list(_VIEW_ALL),
    Role.TAXI_ASSOCIATION_STAFF: [
        "vehicles.view_vehicle", "vehicles.view_driver", "vehicles.view_driverassignment",
        "vehicles.view_operatingpermit",
    ],
    # Insurers read the vehicles they insure and their permits (rule M11: verify qualification before underwriting).
    Role.INSURER_STAFF: ["vehicles.view_vehicle", "vehicles.view_operatingpermit"],
    # No platform job writes the registers through the services: imports act as the importing user, an insurer's
    # policy registers a car new to the register under policies.add_policy (vehicle_register_for_policy), and the
    # demo city generator writes its rows directly (COPY).
    SYSTEM: [],
}
