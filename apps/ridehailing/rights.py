"""Who may do what with ride-hailing supervision data (rows narrowed by access.py; docs/ridehailing.md).

Posting (``add_delivery``) is for the feeds' system accounts: a platform company's own system (taxi company row,
its own CompanyId only — checked by the service) and the city's forward of the national platform (a system
account of transport). Transport and the regulator read everything; a company reads its own.
"""

from apps.parties.models import Role
from apps.parties.rights import SYSTEM

_READ = [
    "ridehailing.view_feed", "ridehailing.view_delivery", "ridehailing.view_deliveryrecord",
    "ridehailing.view_platformcompany", "ridehailing.view_companyversion", "ridehailing.view_vehicleversion",
    "ridehailing.view_vehicleinsuranceversion", "ridehailing.view_driverversion", "ridehailing.view_operatingrecord",
    "ridehailing.view_vehicleday",
]
RIGHTS = {
    Role.TRANSPORT_OFFICER: [*_READ, "ridehailing.add_delivery"],
    Role.REGULATOR_STAFF: list(_READ),
    Role.TAXI_COMPANY_STAFF: [*_READ, "ridehailing.add_delivery"],
    Role.PLATFORM_ADMIN: [
        "ridehailing.view_feed", "ridehailing.add_feed", "ridehailing.change_feed",
        "ridehailing.view_platformcompany", "ridehailing.add_platformcompany", "ridehailing.view_delivery",
        "ridehailing.view_deliveryrecord",
    ],
    # the retention sweep (Celery beat) drops raw partitions older than RIDEHAILING_RAW_RETENTION_DAYS
    SYSTEM: ["ridehailing.delete_operatingrecord"],
}
