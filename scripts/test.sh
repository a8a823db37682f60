#!/usr/bin/env bash
# Set up on first use (system packages, test peers, .venv, trained model), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export RASA_TELEMETRY_ENABLED=false
.venv/bin/python -m bot train --full  # the suite judges a fully trained model, never a fine-tuned one
exec .venv/bin/python -m pytest "$@"
