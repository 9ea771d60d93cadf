#!/usr/bin/env bash
# Builds the server binary with the test suite's feature set (a no-op after `cargo nextest
# run --workspace`; `cargo build -p matchraum` would resolve other features and compile much
# of the server a second time) and prints its path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# Called from a test, the runner's per-crate variables (CARGO_MANIFEST_DIR, CARGO_PKG_*, …)
# would reach cargo, and build scripts that read them (ring's) would count as changed and
# rebuild half of the tree, twice: once here and once in the next build from a shell.
while read -r var; do unset "$var"; done < <(compgen -e | grep -E '^CARGO_(MANIFEST_|PKG_|CRATE_NAME|BIN_|PRIMARY_PACKAGE|TARGET_TMPDIR|RUSTC_CURRENT_DIR)' || true)
"${CARGO:-cargo}" build --quiet --workspace --tests
echo "${CARGO_TARGET_DIR:-$root/target}/debug/matchraum"
