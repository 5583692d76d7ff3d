"""Who may do what with joint inspections and training (rules M17, M2; rows narrowed by access.py).

* the four planning parties (transport, the regulator, both associations) plan inspections and record findings;
* the two associations issue the notices (通报) of the problems found and close them with the result (seed 000
  §五: "由两个行业协会对发现问题及时通报并督促改正"); which association for which party is the object rule of
  the service (the insurance association for insurers, the taxi association for taxi companies, rule M2);
* the inspected parties (insurers, taxi companies) read their own and report their rectification;
* the taxi association records its training (rule M2); companies read the sessions they attended.
"""

from apps.parties.models import Role

_READ = ["inspections.view_inspection", "inspections.view_inspectionfinding", "inspections.view_inspectionnotice"]
_PLAN = [*_READ, "inspections.add_inspection", "inspections.add_inspectionfinding"]
_NOTIFY = ["inspections.add_inspectionnotice", "inspections.change_inspectionnotice"]
_INSPECTED = [*_READ, "inspections.report_rectification"]
RIGHTS = {
    Role.TRANSPORT_OFFICER: [*_PLAN, "inspections.view_training"],
    Role.REGULATOR_STAFF: [*_PLAN, "inspections.view_training"],
    Role.INSURANCE_ASSOCIATION_STAFF: [*_PLAN, *_NOTIFY, "inspections.view_training"],
    Role.TAXI_ASSOCIATION_STAFF: [*_PLAN, *_NOTIFY, "inspections.view_training", "inspections.add_training"],
    Role.TAXI_COMPANY_STAFF: [*_INSPECTED, "inspections.view_training"],
    Role.INSURER_STAFF: list(_INSPECTED),
}
