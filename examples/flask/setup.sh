#!/usr/bin/env bash
# Create examples/flask/.venv and install the pinned requirements.
# Safe to run again: an existing virtualenv is reused and pip skips what is
# already installed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

PYTHON="${PYTHON:-python3}"

if [[ ! -x .venv/bin/python ]]; then
    echo "Creating .venv with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv .venv
fi

.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
echo "Ready: $(.venv/bin/python -c 'from importlib.metadata import version; print("flask", version("flask"))'), $(.venv/bin/gunicorn --version)"
