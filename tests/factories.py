"""factory_boy factories for the kernel and parties; each app's factories live beside its tests."""

import datetime as dt
import itertools

import factory
from stdnum.cn import uscc

from apps.core.validators import resident_id_check_char
from apps.parties.models import ROLE_FOR_KIND, Organization, OrganizationKind, User

_seq = itertools.count(1)


def make_uscc(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    body = f"91450200MA{n:07d}"
    return body + uscc.calc_check_digit(body)


_RESIDENT_SEQ = itertools.count()


def make_resident_id(birth: str | None = None, seq: int | None = None) -> str:
    """A valid resident ID. With ``seq`` (and the default birth date 1985-03-12) the same ID every time; without, a
    new one every call — born on a day of the 1990s that no explicit ``seq`` uses (a random sequence number let two
    drivers of one test collide on the unique blind index now and then)."""
    if seq is None:
        n = next(_RESIDENT_SEQ)
        birth = birth or (dt.date(1990, 1, 1) + dt.timedelta(days=n // 900)).strftime("%Y%m%d")
        seq = 100 + n % 900
    birth = birth or "19850312"
    body = f"450202{birth}{seq:03d}"
    return body + resident_id_check_char(body)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.INSURER
    name = factory.Sequence(lambda n: f"测试单位{n}")
    uscc = factory.LazyFunction(make_uscc)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from apps.parties.rights import SystemActor
        from apps.parties.services import organization_create

        return organization_create(**kwargs, actor=SystemActor("tests.factory"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    organization = factory.SubFactory(OrganizationFactory)
    username = factory.Sequence(lambda n: f"user{n}")
    password = "Test-password-1"
    full_name = factory.Sequence(lambda n: f"测试用户{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from apps.parties.rights import SystemActor
        from apps.parties.services import user_create

        return user_create(**kwargs, actor=SystemActor("tests.factory"))


def user_of(kind: str, organization: Organization | None = None, **kwargs) -> User:
    org = organization or OrganizationFactory(kind=kind)
    assert ROLE_FOR_KIND[org.kind]
    return UserFactory(organization=org, **kwargs)


def build_parties():
    """One organisation of every kind, two insurers and two taxi companies (for isolation tests), a user each:
    ``p.transport``, ``p.transport_user``, …, and the dicts ``p.orgs`` and ``p.users`` (the ``parties`` fixture of
    tests/conftest.py; the dashboard's city is built on it)."""
    from types import SimpleNamespace

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
    p = SimpleNamespace(orgs=orgs, users=users)
    for name in orgs:
        setattr(p, name, orgs[name])
        setattr(p, f"{name}_user", users[name])
    return p
