#!/usr/bin/env bash
# Set up the app's environment and start it: bash scripts/start.sh [streamlit args]
# Creates .venv, installs requirements.txt (exact pins), then runs
# `streamlit run app.py`; open the address it prints (http://localhost:8501).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
exec .venv/bin/python -m streamlit run app.py --browser.gatherUsageStats false --server.fileWatcherType none "$@"
