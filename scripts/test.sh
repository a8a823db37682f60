#!/usr/bin/env bash
# Set up on first use (system packages, test peers, .venv, trained model), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export RASA_TELEMETRY_ENABLED=false
.venv/bin/python -m bot train --full  # the whole check of the data, then the model the suite judges
exec .venv/bin/python -m pytest "$@"
