#!/usr/bin/env bash
# The web UI's checks: unit tests (vitest), the OpenAPI type check, and the browser tests
# (playwright-core on Debian's chromium against the real release server with the real
# catalogue). Screenshots land in target/screenshots/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/ensure_chromium.sh
scripts/setup_frontend.sh
scripts/build_ui.sh
"${CARGO:-cargo}" build --release -p matchraum --quiet
# The target folder may be shared with other checkouts: test a private copy of this build.
mkdir -p target/ui-e2e
cp -p "${CARGO_TARGET_DIR:-target}/release/matchraum" target/ui-e2e/matchraum
export E2E_MATCHRAUM_BIN="$root/target/ui-e2e/matchraum"
cd frontend
npm run --silent test:unit
npm run --silent test:e2e
