#!/usr/bin/env bash
# Builds frontend/dist when a source of the UI is newer than the last build (or none exists).
set -euo pipefail
cd "$(dirname "$0")/../frontend"
built=dist/index.html
if [ -f "$built" ] && [ -z "$(find src public index.html vite.config.ts svelte.config.js tsconfig.json package-lock.json -newer "$built" -print -quit)" ]; then
  exit 0
fi
echo "building the web UI (vite build)" >&2
npm run --silent build
