"""Who may do what with policies and the coverage standard (rows narrowed by access.py)."""

from apps.parties.models import Role
from apps.parties.rights import SYSTEM

_STANDARD_VIEW = ["policies.view_coveragestandard", "policies.view_coveragerequirement"]
# Rule M10: either association proposes a version; the OTHER one approves it (services check which).
_STANDARD_EDIT = [
    "policies.add_coveragestandard", "policies.change_coveragestandard", "policies.approve_coveragestandard",
    "policies.add_coveragerequirement", "policies.change_coveragerequirement",
]
_POLICY_VIEW = [
    "policies.view_policy", "policies.view_coverage", "policies.view_endorsement", "policies.view_cancellation",
    "policies.view_policystatuschange",
]
# The lifecycle of an insurer's own policy (services.py): endorsements (J8, J9), cancellation on an enumerated ground
# (J6, J7, C5), the laid-up extension (J10). rescind_policy is used only by the rescission case decision
# (apps.rescissions.services.rescission_decide → policies.services.policy_rescind, which also requires the decided
# case itself); no page or API of the policies app rescinds.
_LIFECYCLE = ["policies.add_endorsement", "policies.cancel_policy", "policies.extend_policy",
              "policies.rescind_policy"]
RIGHTS = {
    # Insurers register and change their own policies (pages, CSV import, batches from their core systems).
    Role.INSURER_STAFF: [
        *_POLICY_VIEW, "policies.add_policy", "policies.change_policy", "policies.add_coverage",
        "policies.change_coverage", *_LIFECYCLE, *_STANDARD_VIEW, "policies.review_underwriting",
    ],
    Role.TRANSPORT_OFFICER: [*_POLICY_VIEW, *_STANDARD_VIEW],
    # The regulator and the insurance association supervise underwriting (rules C2, P3, M11).
    Role.REGULATOR_STAFF: [*_POLICY_VIEW, *_STANDARD_VIEW, "policies.review_underwriting"],
    # Rule M10: the two associations publish the coverage standard jointly (one proposes, the other approves).
    Role.INSURANCE_ASSOCIATION_STAFF: [*_POLICY_VIEW, *_STANDARD_VIEW, *_STANDARD_EDIT, "policies.review_underwriting"],
    Role.TAXI_ASSOCIATION_STAFF: [*_STANDARD_VIEW, *_STANDARD_EDIT],
    Role.TAXI_COMPANY_STAFF: list(_STANDARD_VIEW),
    # No platform job writes policies: the importer and the batch API act as the insurer's own user, and the
    # demo city generator writes its rows directly (COPY), not through the services.
    SYSTEM: [],
}
