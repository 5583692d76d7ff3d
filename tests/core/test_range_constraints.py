"""The range CHECKs of the registers (``apps.core.validators.range_constraints``) are judged by ``full_clean`` in
Python; the verdict must be the database's own, at and around every bound, for every such constraint of every
model (the database's verdict is Django's ``CheckConstraint.validate`` of the same condition)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CheckConstraint

from apps.core.validators import RangeConstraint

RANGE_CONSTRAINTS = [(model, c) for model in apps.get_models() for c in model._meta.constraints
                     if isinstance(c, RangeConstraint)]


def _near(low, end):
    """Values just outside, on and just inside each bound."""
    if isinstance(low, dt.datetime):
        step = dt.timedelta(microseconds=1)
    elif isinstance(low, dt.date):
        step = dt.timedelta(days=1)
    else:
        step = Decimal("0.01")
    return [None, low - step, low, low + step, end - step, end, end + step]


def _verdict(constraint, model, instance) -> bool:
    try:
        constraint.validate(model, instance)
    except ValidationError:
        return False
    return True


def test_every_range_constraint_is_a_range_constraint():
    """The registers do have range constraints (so the comparison below compares something)."""
    labels = {model._meta.label for model, _c in RANGE_CONSTRAINTS}
    assert {"leads.Lead", "core.Deadline", "claims.Claim", "policies.Policy"} <= labels
    assert len(RANGE_CONSTRAINTS) > 100


@pytest.mark.django_db
def test_python_verdict_is_the_databases_at_every_bound(django_assert_num_queries):
    disagree, judged = [], 0
    for model, constraint in RANGE_CONSTRAINTS:
        name, low, end = constraint._bounds()
        field = model._meta.get_field(name)
        by_database = CheckConstraint(condition=constraint.condition, name=constraint.name)
        for value in _near(low, end):
            if isinstance(field, models.DateTimeField) is not isinstance(low, dt.datetime):
                continue  # a bound of the other kind cannot be given to this field
            instance = model()
            setattr(instance, field.attname, value)
            with django_assert_num_queries(0):
                in_python = _verdict(constraint, model, instance)
            in_database = _verdict(by_database, model, instance)
            judged += 1
            if in_python != in_database:
                disagree.append((model._meta.label, constraint.name, value, in_python, in_database))
    assert judged > 500
    assert not disagree, disagree


def test_excluded_fields_are_not_judged():
    model, constraint = next((m, c) for m, c in RANGE_CONSTRAINTS if m._meta.label == "core.Deadline")
    name, low, _end = constraint._bounds()
    instance = model()
    setattr(instance, name, low - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        constraint.validate(model, instance)
    constraint.validate(model, instance, exclude={name})


def test_migrations_see_the_plain_check_constraint():
    _model, constraint = RANGE_CONSTRAINTS[0]
    path, _args, kwargs = constraint.deconstruct()
    assert path == "django.db.models.CheckConstraint"
    assert set(kwargs) >= {"condition", "name"}
