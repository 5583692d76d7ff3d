"""The demo data of every app, loaded by ``manage.py seed_demo`` once the demo organisations and users exist.

One module per app whose data it writes; each seeder is ``fn(stdout) -> None``, idempotent, and runs in its own
transaction (a failing one is reported and leaves nothing half-written). ``SEEDERS`` is the order they run in:
the exchange keys of the demo organisations first, then the demo city (the registers and policies the others build
on), then the other apps in INSTALLED_APPS order (the order they ran in when each app registered its own seeder).
"""

from apps.demo.management.commands.generate_city import seed_demo_city

from . import claims, complaints, credit, exchange, inspections, leads, policies, rescissions, ridehailing

SEEDERS = [
    exchange.seed_demo_keys,
    seed_demo_city,
    policies.seed_demo_standard,  # rule M10: the demo standard, labelled as demo
    leads.seed_demo,
    rescissions.seed_demo,
    claims.seed_demo,
    complaints.seed_demo_complaints,
    credit.seed_demo_credit,
    inspections.seed_demo_inspections,
    ridehailing.seed_demo_ridehailing,
]
