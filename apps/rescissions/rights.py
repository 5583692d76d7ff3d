"""Who may do what with rescission cases (rows narrowed by access.py; a case is handled by its own insurer)."""

from apps.parties.models import Role

_VIEW = ["rescissions.view_rescissioncase", "rescissions.view_rescissionevent", "rescissions.view_rescissionnotice"]
RIGHTS = {
    Role.INSURER_STAFF: [*_VIEW, "rescissions.add_rescissioncase", "rescissions.change_rescissioncase"],
    Role.REGULATOR_STAFF: list(_VIEW),
    Role.INSURANCE_ASSOCIATION_STAFF: list(_VIEW),
}
