#!/usr/bin/env bash
# Set up and run the whole test suite, including the browser tests (installs Debian's
# Chromium when it is missing and we may use apt).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
bash scripts/setup.sh test
exec .venv/bin/python -m pytest "$@"
