#!/usr/bin/env bash
# Conformance suites, driven by software we did not write:
#   js   JSON-RPC of `poco chain` with ethers v6 (tests/conformance/js)
#   py   JSON-RPC of `poco chain` with web3.py 7 (tests/conformance/py)
#   sdk  the iExec SDK CLI 8.24.0 (npm `iexec`) and the `poco` CLI sharing project
#        folders, keystores and a `poco chain` node (tests/conformance/sdk)
#
# Usage: scripts/conformance.sh [js] [py] [sdk]   (default: all three)
#
# Environment (passed through to the suites):
#   POCO_RPC_URL   test this running node (http://...) instead of spawning one
#   POCO_WS_URL    its WebSocket URL (default: POCO_RPC_URL with ws://)
#   POCO_BIN       node binary to spawn as `$POCO_BIN chain --port 0`
#                  (default: <repo>/target/debug/poco; relative paths are
#                  resolved from the repository root); the sdk suite always
#                  spawns it (one chain per test file) and runs it as the CLI
#                  too, whatever POCO_RPC_URL says
#   POCO_CONFORMANCE_ARTIFACTS  directory with Conformance.json and
#                  TestToken.json (default: <repo>/contracts/out)
#
# Installs what it needs (npm ci in js/ and sdk/; a venv at
# tests/conformance/py/.venv) and skips that when nothing changed. Exits
# non-zero if any suite fails.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONF="$ROOT/tests/conformance"
JS="$CONF/js"
PY="$CONF/py"
VENV="$PY/.venv"
SDK="$CONF/sdk"

say() { printf '==> %s\n' "$*"; }
die() { printf 'conformance: %s\n' "$*" >&2; exit 2; }

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(js py sdk)
for s in "${suites[@]}"; do
  case "$s" in js|py|sdk) ;; *) die "unknown suite '$s' (expected js, py and/or sdk)";; esac
done
want() { local s; for s in "${suites[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# --- preflight ---------------------------------------------------------------
if [ -n "${POCO_BIN:-}" ]; then
  case "$POCO_BIN" in /*) bin="$POCO_BIN";; *) bin="$ROOT/$POCO_BIN";; esac
else
  bin="$ROOT/target/debug/poco"
fi
if want js || want py; then
  if [ -z "${POCO_RPC_URL:-}" ]; then
    [ -x "$bin" ] || die "no node to test: $bin is not an executable (build the CLI, or set POCO_BIN or POCO_RPC_URL)"
    say "node under test: $bin chain --port 0 (spawned by each suite)"
  else
    say "node under test: $POCO_RPC_URL"
  fi
  art="${POCO_CONFORMANCE_ARTIFACTS:-$ROOT/contracts/out}"
  for a in Conformance TestToken; do
    [ -f "$art/$a.json" ] || die "missing contract artifact $art/$a.json (build contracts/ first)"
  done
fi
if want sdk; then
  [ -x "$bin" ] || die "the sdk suite needs the poco binary: $bin is not an executable (cargo build -p poco, or set POCO_BIN)"
  say "CLI and node under test (sdk suite): $bin"
fi

# --- JavaScript (ethers) -----------------------------------------------------
# Node >= 20.10 and npm (node --test --test-concurrency).
need_node() {
  command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are required"
  local major minor
  IFS=. read -r major minor _ <<<"$(node -p 'process.versions.node')"
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 10 ]; }; then
    die "Node >= 20.10 is required (node --test --test-concurrency), found $(node --version)"
  fi
}

install_js() {
  need_node
  local stamp="$JS/node_modules/.conformance-stamp" want_h
  want_h="$(hash_of "$JS/package.json" "$JS/package-lock.json")"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_h" ]; then
    return 0
  fi
  say "installing JS dependencies (npm ci)"
  (cd "$JS" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $JS"
  echo "$want_h" >"$stamp"
}

run_js() {
  say "ethers suite (node --test)"
  (cd "$JS" && node --test --test-concurrency=1 --test-timeout=180000 --test-reporter=spec test/)
}

# --- Python (web3.py) --------------------------------------------------------
install_py() {
  command -v python3 >/dev/null || die "python3 is required"
  local stamp="$VENV/.conformance-stamp" want_h
  want_h="$(hash_of "$PY/requirements.txt" "$PY/constraints.txt")"
  if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_h" ]; then
    return 0
  fi
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
      rm -rf "$VENV"
      # Debian ships venv/ensurepip separately (python3-venv).
      if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        say "python3 -m venv failed: installing Debian's python3-venv"
        (apt-get install -y -qq python3-venv >/dev/null 2>&1 ||
          { apt-get update -qq >/dev/null && apt-get install -y -qq python3-venv >/dev/null; }) ||
          die "could not install python3-venv"
        python3 -m venv "$VENV" || die "python3 -m venv failed"
      else
        die "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"
      fi
    fi
  fi
  say "checking that pip can reach the package index"
  if ! "$VENV/bin/python" -m pip index versions web3 --disable-pip-version-check >/dev/null 2>&1; then
    die "pip cannot reach the package index (check network access or PIP_INDEX_URL)"
  fi
  say "installing Python dependencies (pip install -r requirements.txt)"
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$PY/requirements.txt" ||
    die "pip install failed"
  echo "$want_h" >"$stamp"
}

run_py() {
  say "web3.py suite (pytest)"
  (cd "$PY" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider)
}

# --- iExec SDK CLI (interop) -------------------------------------------------
install_sdk() {
  need_node
  local stamp="$SDK/node_modules/.conformance-stamp" want_h
  want_h="$(hash_of "$SDK/package.json" "$SDK/package-lock.json")"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_h" ]; then
    return 0
  fi
  say "installing the iExec SDK (npm ci)"
  (cd "$SDK" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $SDK"
  echo "$want_h" >"$stamp"
}

run_sdk() {
  say "iExec SDK interop suite (node --test)"
  (cd "$SDK" && POCO_BIN="$bin" node --test --test-concurrency=1 --test-timeout=180000 --test-reporter=spec test/)
}

# --- run ---------------------------------------------------------------------
want js && install_js
want py && install_py
want sdk && install_sdk

status=0
results=()
if want js; then
  if run_js; then results+=("js: passed"); else results+=("js: FAILED"); status=1; fi
fi
if want py; then
  if run_py; then results+=("py: passed"); else results+=("py: FAILED"); status=1; fi
fi
if want sdk; then
  if run_sdk; then results+=("sdk: passed"); else results+=("sdk: FAILED"); status=1; fi
fi

echo
for r in "${results[@]}"; do say "$r"; done
exit "$status"
