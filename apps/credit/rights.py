"""Who may do what with the credit files, proposals, 督促 items and supervisory actions (rows narrowed by
access.py; which association decides which subject is the object rule in services.competent_associations)."""

from apps.parties.models import Role
from apps.parties.rights import SYSTEM

_ISSUER = ["credit.view_supervisoryaction", "credit.add_supervisoryaction", "credit.change_supervisoryaction"]
# Every party may propose an entry into the credit file and follow its proposals (rule M2: "other parties propose").
_PROPOSER = ["credit.view_creditproposal", "credit.add_creditproposal"]
RIGHTS = {
    Role.TRANSPORT_OFFICER: ["credit.view_creditrecord", *_ISSUER, *_PROPOSER],
    Role.REGULATOR_STAFF: ["credit.view_creditrecord", *_ISSUER, *_PROPOSER, "credit.view_urgingitem"],
    # The associations keep the industry credit file and decide the proposals (rule M2); the insurance
    # association urges insurers (rules M12, M17).
    Role.INSURANCE_ASSOCIATION_STAFF: ["credit.view_creditrecord", "credit.add_creditrecord", *_ISSUER, *_PROPOSER,
                                       "credit.decide_creditproposal", "credit.view_urgingitem",
                                       "credit.change_urgingitem"],
    Role.TAXI_ASSOCIATION_STAFF: ["credit.view_creditrecord", "credit.add_creditrecord", *_ISSUER, *_PROPOSER,
                                  "credit.decide_creditproposal"],
    Role.TAXI_COMPANY_STAFF: ["credit.view_creditrecord", "credit.view_supervisoryaction", *_PROPOSER],
    Role.INSURER_STAFF: ["credit.view_creditrecord", "credit.view_supervisoryaction", *_PROPOSER,
                         "credit.view_urgingitem"],
    # The platform's consequences (a lapsed rescission right, rule M12): it proposes entries and opens 督促 items.
    SYSTEM: ["credit.add_creditproposal", "credit.add_urgingitem"],
}
