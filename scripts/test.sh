#!/usr/bin/env bash
# Install (if needed) and run the whole test suite, lint and type checks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ruff"
.venv/bin/ruff check miner tests scripts
echo "== mypy"
.venv/bin/mypy miner
echo "== pytest"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
