#!/usr/bin/env bash
# Set up everything the tests need, then lint and run the whole test suite.
# Usage: bash scripts/test.sh [extra pytest args]
# - creates .venv (Python 3.11+) and installs requirements-dev.txt (exact pins)
# - installs Debian's chromium (browser tests) and haproxy (tests/test_class_server.py) when missing
#   (apt-get, as root or through sudo); never downloads a browser of its own
# - runs ruff, then pytest
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/sbin/haproxy ] || [ -z "$(fc-list :lang=ko 2>/dev/null)" ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  echo "Installing Debian's chromium, haproxy and a CJK font for the browser and class-server tests…"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium haproxy fonts-noto-cjk >/dev/null
fi

echo "== ruff =="
.venv/bin/ruff check .
echo "== pytest =="
exec .venv/bin/python -m pytest "$@"
