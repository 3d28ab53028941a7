#!/bin/sh
# One-shot namespace job, run on the admin-tools image after the server is up (the
# `temporal-setup` service of docker-compose.temporal.yml, which the app services wait for):
#   1. waits until the frontend answers the gRPC health check (the server image has no CLI, so
#      this is where the cluster's health is really checked);
#   2. creates the namespace when missing, with TEMPORAL_NAMESPACE_RETENTION;
#   3. registers the custom search attributes of product §5 (workflows/constants.ts SEARCH_ATTRIBUTES).
# Idempotent: an attribute that already exists with the same type counts as done; one that exists
# with ANOTHER type is an error (exit 1). It also works from any shell with the `temporal` CLI:
#   TEMPORAL_ADDRESS=localhost:7233 sh docker/temporal/setup-namespace.sh
#
# Temporal Cloud does not take these calls: create the namespace and add the attributes with the
# Cloud UI or `tcld namespace search-attributes add`.
#
# Environment: TEMPORAL_ADDRESS (temporal:7233), TEMPORAL_NAMESPACE (default),
#              TEMPORAL_NAMESPACE_RETENTION (7d), SA_MAX_ATTEMPTS (60), SA_RETRY_SECONDS (2).
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-7d}"
MAX_ATTEMPTS="${SA_MAX_ATTEMPTS:-60}"
RETRY_SECONDS="${SA_RETRY_SECONDS:-2}"

# Name:Type, kept in step with SEARCH_ATTRIBUTES in domain/temporal.ts.
SEARCH_ATTRIBUTES="
ProposalState:Keyword
PlacementState:Keyword
PayoutStatus:Keyword
EscrowStatus:Keyword
CompanyId:Keyword
IntegrationPlatform:Keyword
NeedsAttention:Bool
ProtectionState:Keyword
ProtectionEndsAt:Datetime
AutomationStatus:Keyword
IntegrationState:Keyword
PaymentStatus:Keyword
"

log() { echo "[setup-namespace] $*"; }

# retry DESCRIPTION COMMAND...: runs COMMAND until it succeeds, at most MAX_ATTEMPTS times.
retry() {
  what="$1"; shift
  attempt=1
  until "$@" >/dev/null 2>&1; do
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      log "gave up waiting for $what after $attempt attempts; last error:"
      "$@" 2>&1 | sed 's/^/  /' >&2 || true
      exit 1
    fi
    attempt=$((attempt + 1))
    sleep "$RETRY_SECONDS"
  done
}

log "Temporal at $ADDRESS, namespace '$NAMESPACE'"
retry "the Temporal frontend" temporal operator cluster health --address "$ADDRESS"
if temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
  log "namespace '$NAMESPACE' exists"
else
  # Another replica of this job may create it at the same time: "already exists" is fine.
  output=$(temporal operator namespace create --address "$ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION" 2>&1) \
    || case "$output" in *"already"*) ;; *) log "creating namespace '$NAMESPACE' failed:" >&2; echo "$output" >&2; exit 1 ;; esac
  log "namespace '$NAMESPACE' created (retention $RETENTION)"
fi
retry "namespace '$NAMESPACE'" temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE"
retry "the search attribute list of '$NAMESPACE'" \
  temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE"

# `list` prints a table: Name Type (custom and system attributes alike).
existing=$(temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE" 2>/dev/null || true)
lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }

for entry in $SEARCH_ATTRIBUTES; do
  name="${entry%%:*}"
  type="${entry#*:}"
  current=$(printf '%s\n' "$existing" | awk -v n="$name" '$1 == n { print $2; exit }')
  if [ -n "$current" ]; then
    if [ "$(lower "$current")" = "$(lower "$type")" ]; then
      log "$name ($type): already registered"
      continue
    fi
    log "$name: already exists as $current, expected $type; fix it by hand" >&2
    exit 1
  fi
  attempt=1
  while :; do
    if output=$(temporal operator search-attribute create --address "$ADDRESS" --namespace "$NAMESPACE" \
        --name "$name" --type "$type" 2>&1); then
      log "$name ($type): registered"
      break
    fi
    case "$output" in
      *"different type"*)
        log "$name: already exists with a different type than $type; fix it by hand:" >&2
        echo "$output" | sed 's/^/  /' >&2
        exit 1
        ;;
      *"already exists"* | *"AlreadyExists"*)
        log "$name ($type): already exists"
        break
        ;;
    esac
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      log "$name ($type): failed after $attempt attempts:" >&2
      echo "$output" | sed 's/^/  /' >&2
      exit 1
    fi
    attempt=$((attempt + 1))
    sleep "$RETRY_SECONDS"
  done
done

# Creation is acknowledged before every frontend has refreshed its cache; wait until the
# namespace lists all of them so workers never start against a half-registered namespace.
attempt=1
while :; do
  listed=$(temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE" 2>&1 || true)
  missing=""
  for entry in $SEARCH_ATTRIBUTES; do
    name="${entry%%:*}"
    printf '%s\n' "$listed" | grep -qw -- "$name" || missing="$missing $name"
  done
  [ -z "$missing" ] && break
  if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
    log "still not listed after $attempt attempts:$missing" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep "$RETRY_SECONDS"
done
log "all custom search attributes are registered in '$NAMESPACE'"
