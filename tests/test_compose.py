"""docker-compose.yml and the Dockerfile, checked by parsing them (no Docker engine or compose plugin here)."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
SECRETS = ("SECRET_KEY", "PERSONAL_DATA_KEYS", "BLIND_INDEX_KEY", "PLATFORM_KEY")
_VAR = re.compile(r"\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?::(?P<op>[-?])(?P<arg>[^}]*))?\}")


def interpolate(value, env: dict[str, str]):
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} interpolation, enough for this file."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match):
        name, op, arg = match.group("name", "op", "arg")
        if env.get(name):
            return env[name]
        if op == "?":
            raise ValueError(f"{name}: {arg}")
        return arg if op == "-" else ""

    return _VAR.sub(replace, value)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def test_services_and_images(services):
    assert set(services) >= {"db", "redis", "web", "worker", "beat"}
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert "--appendonly" in services["redis"]["command"]
    for name in ("db", "redis"):
        assert services[name]["healthcheck"]["test"], name


def test_web_worker_and_beat_share_one_image_and_one_environment(services):
    first = services["web"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["image"] == first["image"] == "liuzhou-regulation:latest"
        assert service["build"] == {"context": ".", "dockerfile": "Dockerfile"}
        assert service["environment"] == first["environment"]
        assert service["environment"]["DJANGO_ENV"] == "production"
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"


def test_commands(services):
    web = " ".join(services["web"]["command"])
    assert "manage.py migrate --noinput" in web
    assert "gunicorn liuzhou_regulation.wsgi:application --bind 0.0.0.0:8000" in web
    assert services["web"]["ports"] == ["8000:8000"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "liuzhou_regulation", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "liuzhou_regulation", "beat"]
    assert "/app/var/run/celerybeat-schedule" in services["beat"]["command"]


def test_environment_names_every_production_variable(services):
    from liuzhou_regulation.settings import _database_from_url

    env = interpolate(services["web"]["environment"], {"POSTGRES_PASSWORD": "pw"})
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", *SECRETS, "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"):
        assert env.get(name), name
    database = _database_from_url(env["DATABASE_URL"])
    assert (database["HOST"], database["PORT"], database["NAME"], database["USER"], database["PASSWORD"]) == (
        "db", "5432", "liuzhou", "liuzhou", "pw")
    db_env = interpolate(services["db"]["environment"], {"POSTGRES_PASSWORD": "pw"})
    assert (db_env["POSTGRES_DB"], db_env["POSTGRES_USER"], db_env["POSTGRES_PASSWORD"]) == ("liuzhou", "liuzhou", "pw")
    redis = urlparse(env["REDIS_URL"])
    assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379)


def test_named_volumes_exist(compose, services):
    declared = set(compose["volumes"])
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source in declared, (name, source)


def _settings_subprocess(env_overrides: dict[str, str]):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LZ_"))}
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", *SECRETS, "ALLOWED_HOSTS"):
        env.pop(name, None)
    env.update(env_overrides)
    env["LZ_VAR_DIR"] = "/nonexistent"
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('started')"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_placeholder_secrets_are_refused_by_production_settings(services):
    env = interpolate(services["web"]["environment"], {})
    result = _settings_subprocess(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "not a placeholder" in result.stderr


def test_with_real_secrets_the_compose_environment_starts_django(services):
    real = {"SECRET_KEY": "k" * 30 + "-real-secret-key-0123456789abcdef", "POSTGRES_PASSWORD": "pw",
            **{name: f"{name.lower()}-real-0123456789abcdefghijklmnop" for name in SECRETS[1:]}}
    env = interpolate(services["web"]["environment"], real)
    result = _settings_subprocess(env)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_dockerfile():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = [line.split(None, 1) for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert instructions[0] == ["FROM", "python:3.11-slim"]
    assert "pip install -r /tmp/requirements.txt" in text and "pip install --no-deps -e ." in text
    assert "manage.py collectstatic --noinput" in text
    cmd = next(rest for keyword, rest in instructions if keyword == "CMD")
    assert cmd.startswith('["gunicorn", "liuzhou_regulation.wsgi:application"')
    assert ["USER", "app"] in instructions
    assert "DJANGO_ENV=production" in text
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", "var", ".git"} <= set(ignored)
