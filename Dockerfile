# syntax=docker/dockerfile:1
# One image for every app process (API, workers, migrations); the command picks the entry point:
#   node api/server.js | node workers/<queue>.js | node db/migrate.js --check-config
# Built once: TypeScript compiled to JavaScript (tsconfig.build.json) and the workflows prebuilt into
# two bundles (scripts/build-workflow-bundles.ts), so a worker replica starts without webpack.
# Runs as uid 1000 and writes nothing outside /tmp (read-only root filesystem friendly).
# Wired up in docker-compose.temporal.yml and deploy/k8s/; see docs/deployment.md.

# Node.js 24 (LTS until April 2028); @temporalio/core-bridge ships Node-API binaries for glibc.
# The one place the base image is named: every stage starts from `base`.
FROM node:24-bookworm-slim AS base

# --- production dependencies, from the lockfile ------------------------------------------------
FROM base AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install` with a lockfile and no package names installs exactly what it pins (like `npm ci`,
# which npm 11 wrongly refuses for lockfiles without other platforms' optional binaries, npm/cli#8669).
RUN --mount=type=cache,target=/root/.npm \
    npm install --omit=dev --no-save --no-audit --no-fund --loglevel=error
# @temporalio/core-bridge ships its native library for every platform (~30 MB each);
# keep this architecture's only, and fail the build if the layout ever changes.
RUN releases=node_modules/@temporalio/core-bridge/releases \
 && keep="$(uname -m)-unknown-linux-gnu" \
 && test -f "$releases/$keep/index.node" \
 && find "$releases" -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} +

# --- build: compile, then bundle the workflows ------------------------------------------------
FROM base AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm install --no-save --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY api ./api
COPY activities ./activities
COPY workers ./workers
COPY workflows ./workflows
COPY domain ./domain
COPY lib ./lib
COPY db ./db
COPY scripts/build-workflow-bundles.ts ./scripts/
RUN npx tsc -p tsconfig.build.json \
 && node --import tsx scripts/build-workflow-bundles.ts dist/bundles

# --- runtime -----------------------------------------------------------------------------------
FROM base AS runtime
# CA bundle for TLS from native code (Temporal Cloud via the worker's Rust core);
# Node itself ships its own roots. Unpinned on purpose: CA bundles must stay current.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    WORKFLOW_BUNDLE_PATH=/app/bundles/workflows.js \
    WORKFLOW_TRACED_BUNDLE_PATH=/app/bundles/workflows-traced.js
WORKDIR /app

# Everything owned by root and read-only to the runtime user. The compiled tree sits at the same
# relative paths as the sources (api/server.js next to web/), so paths resolved from import.meta.url hold.
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/ ./
COPY lib/failure-converter.cjs ./lib/
COPY web ./web

# The unprivileged `node` user of the official image, by number so that
# Kubernetes' runAsNonRoot can verify it.
USER 1000:1000

EXPOSE 3000
STOPSIGNAL SIGTERM
# The API's readiness; workers are checked on WORKER_HEALTH_PORT by compose and Kubernetes instead.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.API_PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "api/server.js"]
