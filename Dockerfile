# syntax=docker/dockerfile:1
# One image for every app process (API, workers, migrations); the command picks the entry point:
#   node --import tsx api/server.ts | workers/proposals.ts | db/migrate.ts
# TypeScript runs through tsx (a runtime dependency), so there is no build step.
# See docker-compose.temporal.yml for how it is wired up.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- dependencies: production only, from the lockfile -------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund
# @temporalio/core-bridge ships its native library for every platform (~30 MB each);
# keep this architecture's only, and fail the build if the layout ever changes.
RUN releases=node_modules/@temporalio/core-bridge/releases \
 && keep="$(uname -m)-unknown-linux-gnu" \
 && test -f "$releases/$keep/index.node" \
 && find "$releases" -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} +

# --- runtime -----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# CA bundle for TLS from native code (Temporal Cloud via the worker's Rust core);
# Node itself ships its own roots. Unpinned on purpose: CA bundles must stay current.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app

# Owned by root and read-only to the runtime user; tsx keeps its cache in /tmp.
COPY --from=deps /app/node_modules ./node_modules
COPY . .

# The unprivileged `node` user of the official image, by number so that
# Kubernetes' runAsNonRoot can verify it.
USER 1000:1000

EXPOSE 3000
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "api/server.ts"]
