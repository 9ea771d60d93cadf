#!/usr/bin/env bash
# Schema-driven attack run (called by `make test`): a real server (debug build, fresh
# SQLite, demo data, the model) on a free port, an operator token made through the CLI and
# the API, then schemathesis against /api/v1/openapi.json with a fixed seed, example count
# and time budget. Fails on any 5xx, any answer outside the documented statuses, content
# types or schemas, and any dropped connection.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ST="$ROOT/.venv-tools/bin/schemathesis"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
SEED="${SCHEMATHESIS_SEED:-20261201}"
MAX_TIME="${SCHEMATHESIS_MAX_TIME:-90}"

BIN="$(scripts/server_binary.sh)"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$("$ROOT/.venv-tools/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
export MATCHRAUM_DATABASE_URL="sqlite://$WORK/st.sqlite?mode=rwc"
export MATCHRAUM_HTTP_BIND="127.0.0.1:$PORT"
export MATCHRAUM_SEED_DEMO=true
export MATCHRAUM_HTTP_COOKIE_SECURE=false
export MATCHRAUM_METRICS_BIND=   # no metrics listener (its fixed default port may be taken)
export MATCHRAUM_LOG_FORMAT=json
export MATCHRAUM_LOG_LEVEL=warn
# The run tests shapes and statuses, not the limits (they have their own tests).
for limit in LOGIN_PER_IP LOGIN_PER_ACCOUNT LOGIN_PER_ACCOUNT_TOTAL REGISTER_PER_IP \
             MATCH_PER_IP MATCH_PER_ACCOUNT WRITE_PER_IP WRITE_PER_ACCOUNT \
             PEOPLE_SEARCH_PER_ACCOUNT REUSE_CHECKS_PER_ACCOUNT USAGE_CLAIMS_PER_ACCOUNT \
             REVIEWS_PER_ACCOUNT INTEREST_PER_ACCOUNT; do
  export "MATCHRAUM_RATE_$limit=0"
done
PASSWORD="Schema Thesis Pferd 42"
EMAIL="operator@schemathesis.invalid"

"$BIN" migrate >/dev/null
MATCHRAUM_BOOTSTRAP_PASSWORD="$PASSWORD" "$BIN" user create --email "$EMAIL" --operator >/dev/null
"$BIN" serve --demo 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 600); do
  curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.1
done

# Signing out, revoking the token or deleting or demoting the operator would end the run's
# authority halfway (they have their own tests), so those operations are left out.
# Sign in, then a token with every scope (cookie + CSRF header, as a browser would).
LOGIN="$(curl -fsS -c "$WORK/cookies" -H 'content-type: application/json' \
  -d "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}" "$BASE/api/v1/auth/login")"
CSRF="$(printf '%s' "$LOGIN" | "$ROOT/.venv-tools/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')"
TOKEN="$(curl -fsS -b "$WORK/cookies" -H "x-csrf-token: $CSRF" -H 'content-type: application/json' \
  -d '{"name": "schemathesis", "scopes": ["read", "write", "moderate", "admin"]}' \
  "$BASE/api/v1/me/tokens" | "$ROOT/.venv-tools/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["token"])')"

status=0
"$ST" run "$BASE/api/v1/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$MAX_EXAMPLES" --seed "$SEED" --max-time "$MAX_TIME" \
  --request-timeout 30 --workers 2 --no-color --generation-database none \
  --exclude-operation-id delete_me --exclude-operation-id revoke_token \
  --exclude-operation-id logout --exclude-operation-id set_role \
  || status=$?

# A panic would have been answered 500 (and failed above); any that slipped out is logged.
if grep -q '"request handler panicked' "$WORK/server.log"; then
  echo "test_schemathesis: the server logged panics:" >&2
  grep '"request handler panicked' "$WORK/server.log" | head -5 >&2
  status=1
fi
kill -0 "$SERVER_PID" 2>/dev/null || { echo "test_schemathesis: the server died" >&2; status=1; }
exit "$status"
