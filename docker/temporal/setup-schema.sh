#!/bin/sh
# One-shot schema job (Temporal's reference pattern for PostgreSQL 12+), run by the
# `temporal-schema` service of docker-compose.temporal.yml on the admin-tools image of the SAME
# version as the server, before the server starts. Idempotent: setup-schema only creates the
# version tables when missing, update-schema applies the versioned migrations not applied yet.
# The databases themselves come from docker/postgres/initdb/ (owned by the unprivileged Temporal
# role, which cannot CREATE DATABASE), so there is no `create` step here.
#
# Environment: POSTGRES_SEEDS, DB_PORT (5432), POSTGRES_USER, SQL_PASSWORD (read by
# temporal-sql-tool), DBNAME (temporal), VISIBILITY_DBNAME (temporal_visibility).
set -eu
: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" "$@"; }

for pair in "${DBNAME:-temporal}:temporal" "${VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
  db="${pair%%:*}"
  schema="${pair#*:}"
  echo "[setup-schema] $db: $SCHEMA_DIR/$schema/versioned"
  sql --db "$db" setup-schema -v 0.0
  sql --db "$db" update-schema -d "$SCHEMA_DIR/$schema/versioned"
done
echo "[setup-schema] done"
