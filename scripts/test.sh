#!/usr/bin/env bash
# Install (if needed) and run the whole test suite, lint and type checks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The browser test (tests/report/test_report_browser.py) drives Debian's Chromium through
# Playwright, which downloads no browser. Install Chromium when it is missing and apt-get is
# there; when that is impossible the run goes on and that one test skips.
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  echo "== chromium (for the browser test)"
  SUDO=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; } \
    || echo "warning: could not install chromium; tests/report/test_report_browser.py will skip"
fi
echo "== ruff"
.venv/bin/ruff check miner tests scripts
echo "== mypy"
.venv/bin/mypy miner
echo "== pytest"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
