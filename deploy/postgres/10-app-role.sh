#!/bin/sh
# First start of the database container (docker-entrypoint-initdb.d): create the application's role, which may
# read and write rows but owns nothing (docs/operations.md §5). POSTGRES_USER owns the tables: the migrate service
# connects as it; web, worker and beat connect as APP_DB_USER.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_role="$APP_DB_USER" -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE :"app_role" LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'app_role') \gexec
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_role="$APP_DB_USER" -v owner_role="$POSTGRES_USER" -f /lz/app_role.sql
