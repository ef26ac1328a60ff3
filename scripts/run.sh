#!/usr/bin/env bash
# Install (if needed) and run the main job on the bundled corpus; output in out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/miner extract corpora/seed/della-pepa-2026-recurrent-crs.pdf corpora/case-reports/dev --out out "$@"
echo "output: $(pwd)/out (patients.jsonl, patients.csv, episodes.csv, timeline.csv, mentions.csv, manifest.csv)"
