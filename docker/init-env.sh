#!/bin/sh
# Creates the `.env` of docker-compose.temporal.yml ONCE, with freshly generated secrets, and
# refuses to touch an existing one: the payload and credential keys must outlive every
# redeploy (workflow histories and stored ATS credentials are sealed with them), and the
# database passwords are only read when the Postgres volume is first initialised.
#
#   sh docker/init-env.sh            # self-hosted Temporal (bundled services, profile `temporal`)
#   sh docker/init-env.sh --cloud    # Temporal Cloud (docker/compose.temporal-cloud.yml)
#
# Then fill in STRIPE_SECRET_KEY and RESEND_API_KEY (and for Cloud the TEMPORAL_* lines):
# compose refuses to start while a required value is empty. Keep the file (mode 600) out of
# git and back it up with the database. Rotating a key: docs/deployment.md.
#
# Environment: ENV_FILE (.env next to docker-compose.temporal.yml).
set -eu
cd "$(dirname "$0")/.."
ENV_FILE="${ENV_FILE:-.env}"
mode="${1:-self-hosted}"

if [ -e "$ENV_FILE" ]; then
  echo "[init-env] $ENV_FILE exists: keeping it (its keys seal live data). Edit it by hand to change a value." >&2
  exit 1
fi

# 32 random bytes: hex for passwords and tokens (URL-safe), base64 for the AES-256 key rings.
hex() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
key() { head -c 32 /dev/urandom | base64 | tr -d '\n'; }
today=$(date -u +%Y%m%d)

case "$mode" in
  self-hosted) temporal='COMPOSE_FILE=docker-compose.temporal.yml
COMPOSE_PROFILES=temporal' ;;
  --cloud) temporal="COMPOSE_FILE=docker-compose.temporal.yml:docker/compose.temporal-cloud.yml
# Temporal Cloud: the namespace's gRPC endpoint and name, and an API key (or the mTLS files below).
TEMPORAL_ADDRESS=
TEMPORAL_NAMESPACE=
TEMPORAL_API_KEY=
# mTLS instead of an API key: add :docker/compose.temporal-cloud-mtls.yml to COMPOSE_FILE and set
# TEMPORAL_TLS_CERT_FILE=/path/to/client.pem
# TEMPORAL_TLS_KEY_FILE=/path/to/client.key" ;;
  *) echo "usage: init-env.sh [--cloud]" >&2; exit 2 ;;
esac

umask 077
cat > "$ENV_FILE" <<ENV
# Created by docker/init-env.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ). Secrets: keep this file, never regenerate it.
$temporal

# Database roles (read when the Postgres volume is initialised; changing them later needs ALTER ROLE).
POSTGRES_PASSWORD=$(hex)
TEMPORAL_DB_PASSWORD=$(hex)
APP_DB_PASSWORD=$(hex)

# App secrets. Key rings: id:base64(32 bytes), the first encrypts, all decrypt (docs/deployment.md).
JWT_SECRET=$(hex)
PAYLOAD_CODEC_KEYS=p$today:$(key)
ATS_CREDENTIALS_KEYS=k$today:$(key)
# Prometheus sends it as "Authorization: Bearer <token>" to the API's /metrics.
METRICS_TOKEN=$(hex)

# From the providers' dashboards (required: compose refuses to start while empty).
STRIPE_SECRET_KEY=
# whsec_… of the Stripe webhook endpoint <API_PUBLIC_URL>/api/v1/webhooks/stripe (event account.updated).
STRIPE_WEBHOOK_SECRET=
RESEND_API_KEY=
# Optional: whsec_… of the Resend webhook (the webhook endpoint answers 503 without it).
RESEND_WEBHOOK_SECRET=

# Public URL of the API (behind your TLS proxy), used in e-mails and by the Temporal UI's codec.
API_PUBLIC_URL=http://localhost:3000
ENV
echo "[init-env] wrote $ENV_FILE (mode 600); now set STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and RESEND_API_KEY in it"
