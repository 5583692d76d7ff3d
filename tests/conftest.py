"""Shared fixtures. Tests run against the real PostgreSQL and Redis of the settings (embedded by default)."""

import pytest
from rest_framework.test import APIClient

from apps.parties.models import OrganizationKind

from .factories import OrganizationFactory, user_of


@pytest.fixture
def parties(db):
    """One organisation of every kind, two insurers and two taxi companies (for isolation tests), a user each."""
    k = OrganizationKind
    orgs = {
        "transport": OrganizationFactory(kind=k.TRANSPORT, name="柳州市交通运输局(测试)"),
        "regulator": OrganizationFactory(kind=k.REGULATOR, name="柳州金融监管分局(测试)"),
        "ins_assoc": OrganizationFactory(kind=k.INSURANCE_ASSOCIATION, name="保险行业协会(测试)"),
        "taxi_assoc": OrganizationFactory(kind=k.TAXI_ASSOCIATION, name="出租汽车行业协会(测试)"),
        "company_a": OrganizationFactory(kind=k.TAXI_COMPANY, name="龙城出租(测试)"),
        "company_b": OrganizationFactory(kind=k.TAXI_COMPANY, name="畅行网约车(测试)"),
        "insurer_a": OrganizationFactory(kind=k.INSURER, name="人保财险(测试)"),
        "insurer_b": OrganizationFactory(kind=k.INSURER, name="平安产险(测试)"),
    }
    users = {name: user_of(org.kind, organization=org, username=f"u_{name}") for name, org in orgs.items()}

    class Parties:
        pass

    p = Parties()
    p.orgs, p.users = orgs, users
    for name in orgs:
        setattr(p, name, orgs[name])
        setattr(p, f"{name}_user", users[name])
    return p


@pytest.fixture
def api():
    """An API client; ``api.as_user(user)`` authenticates it."""
    client = APIClient()

    def as_user(user):
        client.force_authenticate(user)
        return client

    client.as_user = as_user
    return client


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (thread in this process) consuming from the real Redis broker."""
    from celery.contrib.testing.worker import start_worker

    from liuzhou_regulation.celery import app

    app.control.purge()
    with start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=20) as worker:
        yield worker
