"""Configuration is read in one place: liuzhou_regulation/settings.py reads the environment and writes every
default; the apps read django.conf.settings only (their conf.py are typed accessors over it)."""

import importlib
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENT_READ = re.compile(r"\bos\.environ\b|\bgetenv\b|\benviron\.get\b|\bfrom os import environ\b")
OUTSIDE_DJANGO: set[str] = set()  # none: even the offline evidence verifier takes its root only from --root
CONF_MODULES = sorted(f"apps.{p.parent.name}.conf" for p in (ROOT / "apps").glob("*/conf.py"))


def test_no_app_reads_the_environment():
    readers = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "apps").rglob("*.py"))
               if str(path.relative_to(ROOT)) not in OUTSIDE_DJANGO
               for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if ENVIRONMENT_READ.search(line)]
    assert readers == []


@pytest.mark.parametrize("module", CONF_MODULES)
def test_every_conf_accessor_finds_its_setting(module):
    """A setting whose default is missing from settings.py fails here (AttributeError), not on a page."""
    conf = importlib.import_module(module)
    accessors = [f for name, f in inspect.getmembers(conf, inspect.isfunction)
                 if f.__module__ == module and not name.startswith("_")
                 and all(p.default is not p.empty for p in inspect.signature(f).parameters.values())]
    assert accessors
    for accessor in accessors:
        assert accessor() is not None


def test_conf_follows_overridden_settings():
    from apps.claims import conf as claims
    from apps.exchange import conf as exchange
    from apps.rescissions import conf as rescissions

    with override_settings(CLAIM_NIGHT_START_HOUR=21, EXCHANGE_SWEEP_LIMIT=7, RESCISSION_REMINDER_DAYS=[25, 20, 25]):
        assert claims.night_hours() == (21, settings.CLAIM_NIGHT_END_HOUR)
        assert exchange.sweep_limit() == 7
        assert rescissions.reminder_days() == (20, 25)


def test_environment_variables_reach_settings_and_the_beat_schedule():
    """settings.py is where a variable is read: a value in the environment is the setting and its beat interval."""
    env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL,
           "EXCHANGE_SWEEP_SECONDS": "45", "RESCISSION_REMINDER_DAYS": "21,27", "CLAIM_SMALL_MAX_CNY": "8000.50",
           "CREDIT_SEVERE_IS_WORST": "0", "LEAD_UPLOAD_MAX_ROWS": ""}
    code = ("import json; from liuzhou_regulation import settings as s; print(json.dumps([s.EXCHANGE_SWEEP_SECONDS, "
            "s.CELERY_BEAT_SCHEDULE['exchange-sweep']['schedule'], list(s.RESCISSION_REMINDER_DAYS), "
            "str(s.CLAIM_SMALL_MAX_CNY), s.CREDIT_SEVERE_IS_WORST, s.LEAD_UPLOAD_MAX_ROWS]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [45, 45, [21, 27], "8000.50", False,
                                                               settings.LEAD_UPLOAD_MAX_ROWS]


def test_operations_guide_names_every_variable_the_project_reads():
    """docs/operations.md §8 lists the environment variables: every one the project package reads, and no name
    that is neither such a variable nor a Django setting."""
    reads = re.compile(r'(?:\benv|env_int|env_bool|env_decimal|env_int_tuple|_required|_required_secret|'
                       r'environ\.get)\("([A-Z][A-Z0-9_]*)"')
    read = {name for path in (ROOT / "liuzhou_regulation").glob("*.py")
            for name in reads.findall(path.read_text(encoding="utf-8"))}
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = guide[guide.index("## 8. Configuration"):]
    table = "\n".join(line for line in section.splitlines() if line.startswith("| "))
    listed = set(re.findall(r"`([A-Z][A-Z0-9_]*)`", table))
    assert read - listed == set()
    assert {name for name in listed - read if not hasattr(settings, name)} == set()
