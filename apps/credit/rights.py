"""Who may do what with the credit files and supervisory actions (rows narrowed by access.py)."""

from apps.parties.models import Role

_ISSUER = ["credit.view_supervisoryaction", "credit.add_supervisoryaction", "credit.change_supervisoryaction"]
RIGHTS = {
    Role.TRANSPORT_OFFICER: ["credit.view_creditrecord", *_ISSUER],
    Role.REGULATOR_STAFF: ["credit.view_creditrecord", *_ISSUER],
    # The associations keep the industry credit files (rule M17).
    Role.INSURANCE_ASSOCIATION_STAFF: ["credit.view_creditrecord", "credit.add_creditrecord", *_ISSUER],
    Role.TAXI_ASSOCIATION_STAFF: ["credit.view_creditrecord", "credit.add_creditrecord", *_ISSUER],
    Role.TAXI_COMPANY_STAFF: ["credit.view_creditrecord", "credit.view_supervisoryaction"],
    Role.INSURER_STAFF: ["credit.view_creditrecord", "credit.view_supervisoryaction"],
}
