#!/usr/bin/env bash
# Set up everything on a fresh Debian machine with Python 3.11: the virtualenv with pinned
# Python packages, a second one with Airflow (.venv-airflow), Chromium for the browser tests, and
# the pinned JavaScript packages.
# Safe to re-run. Usage: bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3

# Browser for the web tests (Debian's Chromium; Playwright's own browser download is not used)
# and Node.js (the spec parity test runs web/js/preprocess.js in Node).
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium fonts-dejavu-core"
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends $missing
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
# tf-keras and tensorflowjs without their dependency trees: tensorflowjs would pull a second,
# full tensorflow, jax, flax and decision forests. Its Keras converter needs only what is above.
.venv/bin/python -m pip install -q --no-deps "tf-keras==2.21.0" "tensorflowjs==4.22.0"

# Airflow, only to load the generated DAG in a test (tests/test_airflow.py), in a venv of its own:
# its ~140 packages would pin many of the project's. Every version pinned (airflow-constraints.txt).
if [ ! -x .venv-airflow/bin/python ]; then
  "$PYTHON" -m venv .venv-airflow
fi
.venv-airflow/bin/python -m pip install -q --upgrade pip
.venv-airflow/bin/python -m pip install -q -c scripts/airflow-constraints.txt \
  "apache-airflow==3.3.2" "kedro==1.7.0"

# Pinned JavaScript packages (TF.js); web/vendor/ already holds the copies the page serves.
if command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup complete: .venv ready, chromium at $(command -v chromium)"
