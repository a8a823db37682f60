#!/usr/bin/env bash
# Set up on first use (system packages, .venv, demo bank, trained model), then start the
# assistant: Rasa server with the web chat, action server, local SMTP sink. Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export RASA_TELEMETRY_ENABLED=false
exec .venv/bin/python -m bot run "$@"
