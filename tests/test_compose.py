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
    assert "migrate" not in web  # the migrations run as the owner, in the migrate service
    assert "manage.py migrate --noinput" in " ".join(services["migrate"]["command"])
    assert "gunicorn liuzhou_regulation.wsgi:application --bind 0.0.0.0:8000" in web
    assert services["web"]["ports"] == ["8000:8000"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "liuzhou_regulation", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "liuzhou_regulation", "beat"]
    assert "/app/var/run/celerybeat-schedule" in services["beat"]["command"]


def test_environment_names_every_production_variable(services):
    from liuzhou_regulation.settings import _database_from_url

    env = interpolate(services["web"]["environment"], {"POSTGRES_PASSWORD": "pw", "APP_DB_PASSWORD": "app-pw"})
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", *SECRETS, "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"):
        assert env.get(name), name
    database = _database_from_url(env["DATABASE_URL"])
    assert (database["HOST"], database["PORT"], database["NAME"], database["USER"], database["PASSWORD"]) == (
        "db", "5432", "liuzhou", "liuzhou_app", "app-pw")
    db_env = interpolate(services["db"]["environment"], {"POSTGRES_PASSWORD": "pw"})
    assert (db_env["POSTGRES_DB"], db_env["POSTGRES_USER"], db_env["POSTGRES_PASSWORD"]) == ("liuzhou", "liuzhou", "pw")
    redis = urlparse(env["REDIS_URL"])
    assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379)


def test_named_volumes_exist(compose, services):
    declared = set(compose["volumes"])
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):  # a file of this repository, mounted read-only
                assert (ROOT / source).is_file() and volume.endswith(":ro"), (name, source)
                continue
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


def test_migrations_run_as_the_owner_and_the_app_as_a_role_that_owns_nothing(services):
    """docs/operations.md §5: the application's role cannot disable the append-only triggers (it owns no table)."""
    from liuzhou_regulation.settings import _database_from_url

    secrets = {"POSTGRES_PASSWORD": "owner-pw", "APP_DB_PASSWORD": "app-pw"}
    db_env = interpolate(services["db"]["environment"], secrets)
    owner = _database_from_url(interpolate(services["migrate"]["environment"], secrets)["DATABASE_URL"])
    assert (owner["USER"], owner["PASSWORD"]) == (db_env["POSTGRES_USER"], "owner-pw")
    for name in APP_SERVICES:
        app = _database_from_url(interpolate(services[name]["environment"], secrets)["DATABASE_URL"])
        assert (app["USER"], app["PASSWORD"], app["NAME"]) == (db_env["APP_DB_USER"], "app-pw", owner["NAME"]), name
        assert app["USER"] != owner["USER"]
    assert services["migrate"]["restart"] == "no"
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "db_app_role --role " + db_env["APP_DB_USER"] in " ".join(services["migrate"]["command"])

    mounts = dict(volume.split(":")[:2] for volume in services["db"]["volumes"] if volume.startswith("./"))
    assert mounts.pop("./deploy/postgres/10-app-role.sh") == "/docker-entrypoint-initdb.d/10-app-role.sh"
    init = ROOT / "deploy" / "postgres" / "10-app-role.sh"
    script = init.read_text(encoding="utf-8")
    assert "NOSUPERUSER" in script and "/lz/app_role.sql" in script and os.access(init, os.X_OK)
    assert mounts == {"./liuzhou_regulation/app_role.sql": "/lz/app_role.sql"}
    grants = (ROOT / "liuzhou_regulation" / "app_role.sql").read_text(encoding="utf-8")
    statements = [line for line in grants.splitlines() if line and not line.startswith("--")]
    assert any("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES" in line for line in statements)
    assert any("ALTER DEFAULT PRIVILEGES FOR ROLE :\"owner_role\"" in line for line in statements)
    granted = " ".join(statements).upper()
    assert not any(word in granted for word in ("SUPERUSER", "TRUNCATE", "TRIGGER", "ALL PRIVILEGES", "OWNER TO"))
