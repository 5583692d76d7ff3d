"""Who may handle hotline complaints (rule M16: 12328 transport, 12378 regulator; rows narrowed by access.py)."""

from apps.parties.models import Role

_HANDLER = ["complaints.view_complaint", "complaints.add_complaint", "complaints.change_complaint",
            "complaints.view_complaintevent", "complaints.view_complaintphoto"]
RIGHTS = {
    Role.TRANSPORT_OFFICER: list(_HANDLER),
    # rule T4: the further 30-day extension of a 12378 complaint needs approval; the regulator handles 12378
    # (M16), so its staff hold the right to approve (the service also requires the handling organisation)
    Role.REGULATOR_STAFF: [*_HANDLER, "complaints.approve_extension"],
    # object-level grants decide which complaints; the model permission lets the role use the pages and API
    Role.INSURER_STAFF: ["complaints.view_complaint", "complaints.view_complaintevent"],
}
