#!/usr/bin/env bash
# Idempotent set-up on a Debian machine: system packages, the virtual environment, the project.
# Quick on a second run: each step checks first and does nothing when it is already done.
#   scripts/setup.sh          what the assistant needs to run
#   scripts/setup.sh --test   also what the test suite needs (SIP peers, a browser, and the
#                             topology's engines for tests/topology)
#   scripts/setup.sh --topology  the engines of the scaled-out topology (`bot cluster up`,
#                             deploy/, docs/deploy.md): Kamailio, HAProxy, Redis, PostgreSQL
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_PACKAGES=(espeak-ng libportaudio2 sox libsox-fmt-base)
TEST_PACKAGES=(sip-tester baresip chromium systemd)  # systemd: systemd-analyze (tests/test_units.py)
TOPOLOGY_PACKAGES=(kamailio kamailio-tls-modules haproxy redis-server postgresql openssl)

packages=("${RUN_PACKAGES[@]}")
case "${1:-}" in
  --test) packages+=("${TEST_PACKAGES[@]}" "${TOPOLOGY_PACKAGES[@]}") ;;
  --topology) packages+=("${TOPOLOGY_PACKAGES[@]}") ;;
esac

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

python_bin=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null \
    && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    python_bin=$candidate
    break
  fi
done
[[ -n "$python_bin" ]] || { echo "setup: Python 3.11 is required" >&2; exit 1; }

if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv"
  "$python_bin" -m venv .venv
fi

# Reinstall only when the lock file or the project metadata changed.
stamp=.venv/.installed
wanted=$(cat requirements/lock.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$wanted" ]]; then
  echo "setup: installing Python packages from requirements/lock.txt (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v -i warning || true
  # Rasa 3.6 declares Python <3.11 but runs on 3.11 from this fully pinned lock.
  .venv/bin/python -m pip install -q --no-deps --ignore-requires-python -r requirements/lock.txt
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e . 2>&1 | grep -v -i warning || true
  echo "$wanted" >"$stamp"
fi

# --- web chat: the socket.io browser client, from npm (package-lock.json) into node_modules/ ---
# Served by the Rasa server at /webchat/ (bot/channels/webchat.py); the page never uses a CDN.
if ! command -v npm >/dev/null; then
  echo "setup: installing Debian packages: nodejs npm"
  npm_sudo=()
  [[ $(id -u) -ne 0 ]] && npm_sudo=(sudo)
  "${npm_sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${npm_sudo[@]}" apt-get install -y -qq --no-install-recommends \
    nodejs npm >/dev/null
fi
npm_stamp=node_modules/.installed
npm_wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $npm_stamp || $(cat "$npm_stamp") != "$npm_wanted" ]]; then
  echo "setup: installing the web chat's browser client (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_wanted" >"$npm_stamp"
fi
