"""Every role may view batches (its own; the regulator all — see access.py), their trail and the public keys."""

from apps.parties.models import Role

_EVERYONE = ["exchange.view_batch", "exchange.view_batchevent", "exchange.view_organizationkey"]
RIGHTS = {role: list(_EVERYONE) for role in Role.values}
RIGHTS[Role.REGULATOR_STAFF] = [*_EVERYONE, "exchange.view_inboxentry"]
RIGHTS[Role.PLATFORM_ADMIN] = [*_EVERYONE, "exchange.view_inboxentry"]
