#!/usr/bin/env bash
# Set up and run the whole test suite, including the browser tests (installs Debian's
# Chromium when it is missing and we may use apt).
set -euo pipefail
cd "$(dirname "$0")/.."
# the browser tests drive /usr/bin/chromium (Playwright cannot download its own browser here)
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
bash scripts/setup.sh test
exec .venv/bin/python -m pytest "$@"
