"""Who may do what with claims, the claims analytics and focused checks (rows narrowed by access.py)."""

from apps.parties.models import Role
from apps.parties.rights import SYSTEM

_READ = [
    "claims.view_claim", "claims.view_claimprogressnotice", "claims.view_analyticsthresholds",
    "claims.view_analyticsrun", "claims.view_focusedchecklist", "claims.view_focusedcheck",
]
RIGHTS = {
    # Insurers record their own claims on pages and push them from their core systems (rules M13, J11).
    Role.INSURER_STAFF: [
        "claims.view_claim", "claims.add_claim", "claims.change_claim",
        "claims.view_claimprogressnotice", "claims.add_claimprogressnotice",
    ],
    Role.REGULATOR_STAFF: list(_READ),
    # The insurance association runs the claims analytics and keeps its thresholds (rule M14).
    Role.INSURANCE_ASSOCIATION_STAFF: [*_READ, "claims.add_analyticsthresholds", "claims.add_analyticsrun"],
    # The taxi association reads the aggregate service-level table (no claim rows) and the focused checks.
    Role.TAXI_ASSOCIATION_STAFF: [
        "claims.view_analyticsthresholds", "claims.view_analyticsrun", "claims.view_focusedchecklist",
        "claims.view_focusedcheck",
    ],
    Role.TRANSPORT_OFFICER: ["claims.view_focusedchecklist", "claims.view_focusedcheck"],
    # A platform company checks the vehicles and drivers on its focused-check list and records the result (M14).
    Role.TAXI_COMPANY_STAFF: ["claims.view_focusedchecklist", "claims.view_focusedcheck", "claims.change_focusedcheck"],
    # The scheduled claims analytics (rule M14) acts for the insurance association, and runs even where no
    # association is registered yet (its lists are then not sent).
    SYSTEM: ["claims.add_analyticsrun"],
}
