#!/usr/bin/env bash
# Set up and start the app on the embedded SCB data (no network needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/streamlit run streamlit_app.py --server.headless true --browser.gatherUsageStats false "$@"
