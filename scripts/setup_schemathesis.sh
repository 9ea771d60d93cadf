#!/usr/bin/env bash
# Installs schemathesis (pinned, with pinned dependencies) into the tools venv made by
# scripts/setup_model.sh; called by `make setup`. A no-op once the pinned version is there,
# so it works offline after the first run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SCHEMATHESIS_VERSION=4.32.5
VENV=.venv-tools

if [[ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" == "$SCHEMATHESIS_VERSION" ]]; then
  echo "setup_schemathesis: schemathesis $SCHEMATHESIS_VERSION present"
  exit 0
fi
echo "setup_schemathesis: installing schemathesis $SCHEMATHESIS_VERSION into $VENV" >&2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  -c scripts/schemathesis.constraints "schemathesis==$SCHEMATHESIS_VERSION"
