#!/usr/bin/env bash
# Installs the web UI's npm dependencies exactly as locked (npm ci), only when
# package-lock.json changed since the last install: afterwards a no-op that needs no network.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
stamp=node_modules/.matchraum-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "installing the web UI's npm packages (npm ci)" >&2
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
