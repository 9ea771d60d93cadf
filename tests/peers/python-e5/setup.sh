#!/usr/bin/env bash
# Installs the peer's pinned wheels into tests/peers/python-e5/.venv on first use (like the
# node peer's `npm ci`); a changed requirements.txt re-installs. Prints the venv's python.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
VENV=.venv
WANT="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/python" || "$(cat "$VENV/STAMP" 2>/dev/null)" != "$WANT" ]]; then
  # Python 3.11: the pinned onnxruntime and numpy wheels are cp311.
  PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip --disable-pip-version-check -q install \
    --no-deps --require-hashes --only-binary=:all: -r requirements.txt >&2
  echo "$WANT" >"$VENV/STAMP"
fi
echo "$PWD/$VENV/bin/python"
