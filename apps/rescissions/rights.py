"""Who may do what with rescission cases (rows narrowed by access.py; a case is handled by its own insurer)."""

from apps.parties.models import Role
from apps.parties.rights import SYSTEM

_VIEW = ["rescissions.view_rescissioncase", "rescissions.view_rescissionevent", "rescissions.view_rescissionnotice"]
RIGHTS = {
    Role.INSURER_STAFF: [*_VIEW, "rescissions.add_rescissioncase", "rescissions.change_rescissioncase"],
    Role.REGULATOR_STAFF: list(_VIEW),
    Role.INSURANCE_ASSOCIATION_STAFF: list(_VIEW),
    # Rule M12: the exchange opens the insurer's case at the receipt of a penalty, a confirmed lead or a screening
    # finding (the insurer's own staff open only on their own finding, with add_rescissioncase).
    SYSTEM: ["rescissions.open_on_receipt"],
}
