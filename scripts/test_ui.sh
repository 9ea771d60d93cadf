#!/usr/bin/env bash
# The web UI's checks: unit tests (vitest), the OpenAPI type check, and the browser tests
# (playwright-core on Debian's chromium against the real server with the real
# catalogue; the dev build: its dependencies are the ones the Rust suites already compiled,
# so a cold `make test` does not compile everything a second time for release).
# Screenshots land in target/screenshots/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/ensure_chromium.sh
scripts/setup_frontend.sh
scripts/build_ui.sh
bin="$(scripts/server_binary.sh)"
# The target folder may be shared with other checkouts: test a private copy of this build.
mkdir -p target/ui-e2e
cp -p "$bin" target/ui-e2e/matchraum
export E2E_MATCHRAUM_BIN="$root/target/ui-e2e/matchraum"
cd frontend
npm run --silent test:unit
npm run --silent test:e2e
