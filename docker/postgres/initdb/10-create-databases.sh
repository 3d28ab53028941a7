#!/usr/bin/env bash
# Runs once, when the postgres container initialises an EMPTY data directory
# (docker-entrypoint-initdb.d). It creates one role per tenant of this server:
#
#   ${TEMPORAL_DB_USER}  owns `temporal` and `temporal_visibility` (Temporal's stores; the
#                        temporal-schema job then only applies/upgrades the schema, with no
#                        `create` step, so the role needs no CREATEDB)
#   ${APP_DB_USER}       owns `${APP_DB_NAME}` (the app database, migrated by `migrate`)
#
# Neither role is a superuser and neither can connect to the other's databases.
# An existing volume is left alone: to re-run this, remove the volume
# (`docker compose -f docker-compose.temporal.yml down -v`) or run the same SQL by hand.
set -euo pipefail

: "${TEMPORAL_DB_USER:=temporal}"
: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD must be set}"
: "${APP_DB_USER:=splits}"
: "${APP_DB_PASSWORD:?APP_DB_PASSWORD must be set}"
: "${APP_DB_NAME:=splits}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \
  -v temporal_user="$TEMPORAL_DB_USER" -v temporal_password="$TEMPORAL_DB_PASSWORD" \
  -v app_user="$APP_DB_USER" -v app_password="$APP_DB_PASSWORD" -v app_db="$APP_DB_NAME" <<'SQL'
-- Roles (format(%I/%L) quotes names and passwords safely).
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'temporal_user', :'temporal_password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'temporal_user') \gexec
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app_user', :'app_password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \gexec

-- Databases, each owned by its tenant (PostgreSQL 15+: the owner may create in `public`).
SELECT format('CREATE DATABASE %I OWNER %I', d, :'temporal_user')
  FROM unnest(ARRAY['temporal', 'temporal_visibility']) AS d
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d) \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'app_db', :'app_user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'app_db') \gexec

-- Only the owner (and superusers) may connect.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', d)
  FROM unnest(ARRAY['temporal', 'temporal_visibility', :'app_db']) AS d \gexec
SQL

# Temporal's SQL visibility schema uses btree_gin; install it as superuser up front so the
# schema tool, running as the unprivileged Temporal role, never needs to.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname temporal_visibility \
  -c 'CREATE EXTENSION IF NOT EXISTS btree_gin'

echo "initdb: roles '$TEMPORAL_DB_USER' and '$APP_DB_USER', databases temporal, temporal_visibility and '$APP_DB_NAME' are ready"
