"""Every role may view batches (its own; the regulator all — see access.py), their trail and the public keys."""

from apps.parties.models import Role
from apps.parties.rights import SYSTEM

_EVERYONE = ["exchange.view_batch", "exchange.view_batchevent", "exchange.view_organizationkey"]
# Every party's own staff (and its system's API user) registers and revokes its own signing keys and signs its
# batches and receipts with them (apps/exchange/ownkeys.py; the services check it is its own party).
_OWN_KEYS = ["exchange.add_organizationkey"]
RIGHTS = {role: [*_EVERYONE, *_OWN_KEYS] for role in Role.values}
RIGHTS[Role.REGULATOR_STAFF] = [*_EVERYONE, *_OWN_KEYS, "exchange.view_inboxentry"]
# The operator rotates the parties' keys and re-sends any failed batch (a sender re-sends its own: services).
# The operator also chooses a party's algorithm suite (its exchange profile).
RIGHTS[Role.PLATFORM_ADMIN] = [*_EVERYONE, *_OWN_KEYS, "exchange.view_inboxentry", "exchange.change_organizationkey",
                               "exchange.change_batch", "exchange.view_exchangeprofile",
                               "exchange.add_exchangeprofile", "exchange.change_exchangeprofile"]
# ``manage.py exchange_issue_keys --rotate`` rotates keys, ``manage.py exchange_archive export`` reads a batch.
RIGHTS[SYSTEM] = ["exchange.change_organizationkey", "exchange.view_batch"]
