"""Failed-login lockout with two limits: a username from one IP (``AXES_FAILURE_LIMIT``) and one IP across every
username (``AXES_IP_FAILURE_LIMIT``, larger: an office behind one address mistypes too). Without the second, one
address could try a password on any number of accounts, a few times each."""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


def _sum(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """``AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]``: the first count is the IP's, the
    second the pair's. Axes compares one number with ``AXES_FAILURE_LIMIT``; the IP's count is put on that scale
    (it reaches the limit exactly when the IP's failures reach ``AXES_IP_FAILURE_LIMIT``)."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_ip, by_pair = (_sum(attempts) for attempts in self.get_user_attempts(request, credentials))
        user_limit, ip_limit = settings.AXES_FAILURE_LIMIT, max(settings.AXES_IP_FAILURE_LIMIT, 1)
        return max(by_pair, by_ip * user_limit // ip_limit)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful login clears that username's failures from this IP only: clearing the IP's count too
        would let whoever holds one account reset the spray limit by logging in between rounds."""
        _by_ip, by_pair = self.filter_user_attempts(request, credentials)
        count, _detail = by_pair.delete()
        return count
