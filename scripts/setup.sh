#!/usr/bin/env bash
# Create .venv (if missing) and install the project with the given extras, e.g. "test".
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
if ! python3 -m venv .venv >/dev/null 2>&1; then
  # Debian's python3 ships venv separately (python3-venv); install it when we may
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    rm -rf .venv
    python3 -m venv .venv
  else
    echo "python3 -m venv failed: install your distribution's python3-venv package" >&2
    exit 1
  fi
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ -n "$extras" ]; then
  .venv/bin/python -m pip install --quiet -e ".[${extras}]"
else
  .venv/bin/python -m pip install --quiet -e .
fi
