"""Who may do what with policies and the coverage standard (rows narrowed by access.py)."""

from apps.parties.models import Role
from apps.parties.rights import SYSTEM

_STANDARD_VIEW = ["policies.view_coveragestandard", "policies.view_coveragerequirement"]
_STANDARD_EDIT = [
    "policies.add_coveragestandard", "policies.change_coveragestandard",
    "policies.add_coveragerequirement", "policies.change_coveragerequirement",
]
_POLICY_VIEW = ["policies.view_policy", "policies.view_coverage"]
RIGHTS = {
    # Insurers register and change their own policies (pages, CSV import, batches from their core systems).
    Role.INSURER_STAFF: [
        *_POLICY_VIEW, "policies.add_policy", "policies.change_policy", "policies.add_coverage",
        "policies.change_coverage", *_STANDARD_VIEW, "policies.review_underwriting",
    ],
    Role.TRANSPORT_OFFICER: [*_POLICY_VIEW, *_STANDARD_VIEW],
    # The regulator and the insurance association supervise underwriting (rules C2, P3, M11).
    Role.REGULATOR_STAFF: [*_POLICY_VIEW, *_STANDARD_VIEW, "policies.review_underwriting"],
    # Rule M10: the two associations publish the coverage standard.
    Role.INSURANCE_ASSOCIATION_STAFF: [*_POLICY_VIEW, *_STANDARD_VIEW, *_STANDARD_EDIT, "policies.review_underwriting"],
    Role.TAXI_ASSOCIATION_STAFF: [*_STANDARD_VIEW, *_STANDARD_EDIT],
    Role.TAXI_COMPANY_STAFF: list(_STANDARD_VIEW),
    # No platform job writes policies: the importer and the batch API act as the insurer's own user, and the
    # demo city generator writes its rows directly (COPY), not through the services.
    SYSTEM: [],
}
