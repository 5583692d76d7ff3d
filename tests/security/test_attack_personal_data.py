"""Attack findings on personal data (rule M3): guessing numbers through exact search, numbers in access logs,
reveals without a reason, password spraying from one address, unbounded free text."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from tests.factories import user_of

PASSWORD = "Test-password-1"


def _login(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


# --- finding 4: lockout per IP across usernames -------------------------------------------------------------------


def test_m3_password_spray_from_one_ip_locks_that_ip(parties):
    """One address tries a wrong password on many accounts, each fewer times than the per-account limit: once
    its failures reach AXES_IP_FAILURE_LIMIT the address is locked, even for another user's right password."""
    from apps.parties.models import OrganizationKind

    limit = settings.AXES_IP_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    victims = [user_of(OrganizationKind.INSURER, organization=parties.insurer_a, username=f"spray{i}")
               for i in range(limit)]
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for victim in victims[:-1]:
        assert _login(attacker, victim.username, "wrong-password").status_code == 200
    assert _login(attacker, victims[-1].username, "wrong-password").status_code == 429  # the limit is reached
    locked = _login(attacker, parties.insurer_b_user.username)  # the right password of yet another account
    assert locked.status_code == 429 and "_auth_user_id" not in attacker.session
    assert "登录已被暂时锁定" in locked.content.decode()
    # another address is not affected
    assert _login(Client(REMOTE_ADDR="203.0.113.8"), parties.insurer_b_user.username).status_code == 302


def test_m3_a_successful_login_does_not_reset_the_ip_count(parties):
    """Holding one account must not let the sprayer clear the address's count by logging in between rounds."""
    from apps.parties.models import OrganizationKind

    limit = settings.AXES_IP_FAILURE_LIMIT
    victims = [user_of(OrganizationKind.INSURER, organization=parties.insurer_a, username=f"round{i}")
               for i in range(limit)]
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for victim in victims[: limit - 1]:
        assert _login(attacker, victim.username, "wrong-password").status_code == 200
    assert _login(attacker, parties.insurer_b_user.username).status_code == 302  # the sprayer's own account
    attacker.post("/accounts/logout/")
    assert _login(attacker, victims[-1].username, "wrong-password").status_code == 429
