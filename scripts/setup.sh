#!/usr/bin/env bash
# Provision both environments idempotently:
#   .venv       Python 3.11 (main: API, rules, retrieval, action server), from pyproject.toml + uv.lock
#   .venv-rasa  Python 3.9/3.10 with rasa==3.6.21, from bot/requirements-rasa.lock
# A second run with unchanged lock files does nothing and takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

MAIN_PYTHON=${MAIN_PYTHON:-python3.11}
UV_VERSION=0.13.9
TOOLS=$ROOT/.cache/tools
UV=$TOOLS/bin/uv
export UV_CACHE_DIR=${UV_CACHE_DIR:-$ROOT/.cache/uv}
export UV_LINK_MODE=copy
# uv ignores pip's find-links; reuse a local wheel folder (e.g. a CPU torch) where the machine has one.
if [ -n "${PIP_FIND_LINKS:-}" ] && [ -z "${UV_FIND_LINKS:-}" ]; then export UV_FIND_LINKS=$PIP_FIND_LINKS; fi

hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# --- 0. uv itself, in a private tool venv (never in the project's environments) ---------------
if [ ! -x "$UV" ] || [ "$("$UV" --version 2>/dev/null | awk '{print $2}')" != "$UV_VERSION" ]; then
  command -v "$MAIN_PYTHON" >/dev/null 2>&1 || MAIN_PYTHON=python3
  "$MAIN_PYTHON" -c 'import sys; assert sys.version_info[:2] >= (3, 11)' 2>/dev/null \
    || die "the main environment needs Python 3.11 (set MAIN_PYTHON=/path/to/python3.11)"
  log "installing uv $UV_VERSION into .cache/tools"
  "$MAIN_PYTHON" -m venv "$TOOLS"
  "$TOOLS/bin/pip" install -q "uv==$UV_VERSION"
fi

# --- 1. main environment ----------------------------------------------------------------------
main_stamp=$(hash_of pyproject.toml uv.lock scripts/setup.sh)
if [ "$(cat .venv/.setup-stamp 2>/dev/null)" != "$main_stamp" ]; then
  log "main environment (.venv, Python 3.11): installing locked dependencies"
  [ -x .venv/bin/python ] || "$UV" venv -q -p "$MAIN_PYTHON" .venv
  # torch is kept out of uv.lock (see pyproject.toml): install the CPU build first, from the local
  # wheel folder when the machine has one, else from the PyTorch CPU index.
  TORCH_VERSION=$(sed -n 's/^torch-version *= *"\(.*\)"/\1/p' pyproject.toml)
  if ! .venv/bin/python -c "import torch, sys; sys.exit(not torch.__version__.startswith('$TORCH_VERSION'))" 2>/dev/null; then
    if [ -n "${UV_FIND_LINKS:-}" ] && ls "$UV_FIND_LINKS"/torch-"$TORCH_VERSION"* >/dev/null 2>&1; then
      "$UV" pip install -q --no-config -p .venv/bin/python "torch==$TORCH_VERSION"
    else
      "$UV" pip install -q --no-config -p .venv/bin/python "torch==$TORCH_VERSION" \
        --index-url "${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}" \
        --extra-index-url "${UV_DEFAULT_INDEX:-https://pypi.org/simple}" --index-strategy unsafe-best-match
    fi
  fi
  # --inexact keeps torch, which the lock deliberately does not list.
  "$UV" sync -q --frozen --inexact --python .venv/bin/python
  echo "$main_stamp" > .venv/.setup-stamp
else
  log "main environment up to date"
fi

# --- 2. Rasa environment ----------------------------------------------------------------------
usable_rasa_python() {  # prints the path if $1 is a working CPython 3.9 or 3.10 with the stdlib Rasa needs
  local py=$1
  [ -n "$py" ] || return 1
  # -S: setuptools' distutils shim in site-packages would hide a missing stdlib distutils.
  "$py" -S -c 'import sys, ssl, sqlite3, ctypes, distutils.dist, lib2to3
assert sys.version_info[:2] in ((3, 9), (3, 10))
print(sys.executable)' 2>/dev/null
}

find_rasa_python() {
  local cand found
  # a. explicit choice, then interpreters already on the machine (PATH, pyenv, uv-managed)
  for cand in "${RASA_PYTHON:-}" python3.10 python3.9 \
              "$HOME"/.pyenv/versions/3.10*/bin/python3.10 "$HOME"/.pyenv/versions/3.9*/bin/python3.9 \
              /usr/bin/python3.10 /usr/bin/python3.9 /usr/local/bin/python3.10 /usr/local/bin/python3.9; do
    [ -n "$cand" ] || continue
    found=$(usable_rasa_python "$cand") && { echo "$found"; return 0; }
  done
  found=$("$UV" python find '>=3.9,<3.11' 2>/dev/null) && found=$(usable_rasa_python "$found") \
    && { echo "$found"; return 0; }
  # b. a uv-managed CPython (needs access to its download host)
  log "no Python 3.9/3.10 found; trying 'uv python install 3.10'"
  if UV_HTTP_TIMEOUT=30 timeout 180 "$UV" python install 3.10 >&2 2>/dev/null; then
    found=$("$UV" python find '>=3.9,<3.11' 2>/dev/null) && found=$(usable_rasa_python "$found") \
      && { echo "$found"; return 0; }
  fi
  # c. Debian: python3.9 from the bullseye suite of the machine's own Debian mirror
  if [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "trying Debian bullseye's python3.9 (apt)"
    bash "$ROOT/scripts/debian_python39.sh" >&2 && found=$(usable_rasa_python /usr/bin/python3.9) \
      && { echo "$found"; return 0; }
  fi
  return 1
}

rasa_stamp=$(hash_of bot/requirements-rasa.lock scripts/setup.sh)
if [ "$(cat .venv-rasa/.setup-stamp 2>/dev/null)" != "$rasa_stamp" ]; then
  if ! RASA_PY=$(usable_rasa_python .venv-rasa/bin/python); then
    RASA_PY=$(find_rasa_python) || die "Rasa 3.6 needs Python 3.9 or 3.10 and none could be found or installed.
  Install one, then run this again, e.g.:
    - Debian/Ubuntu: apt-get install python3.10 python3.10-venv   (or python3.9 from Debian bullseye)
    - pyenv:          pyenv install 3.10
    - uv:             uv python install 3.10
  or point RASA_PYTHON at an existing interpreter."
    log "Rasa environment (.venv-rasa) on $RASA_PY"
    rm -rf .venv-rasa
    "$UV" venv -q -p "$RASA_PY" .venv-rasa
  fi
  log "Rasa environment: installing rasa==3.6.21 (locked)"
  "$UV" pip sync -q -p .venv-rasa/bin/python bot/requirements-rasa.lock
  echo "$rasa_stamp" > .venv-rasa/.setup-stamp
else
  log "Rasa environment up to date"
fi
log "ready: .venv ($(.venv/bin/python -V 2>&1)), .venv-rasa ($(.venv-rasa/bin/python -V 2>&1))"
