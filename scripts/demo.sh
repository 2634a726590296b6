#!/usr/bin/env bash
# The main job on the bundled sample, on a fresh machine (set-up included):
# templates -> simulated commune returns -> validation -> merge -> Word draft.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/cchc demo --out "${1:-demo-out}"
