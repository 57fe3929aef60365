#!/usr/bin/env bash
# Poco's whole test suite, as CI runs it on a fresh machine:
#   1. the Solidity build is reproducible (contracts/out matches a fresh solc build);
#   2. formatting and lints (rustfmt, clippy with warnings as errors);
#   3. every Rust test (unit, integration, property tests) of the workspace;
#   4. the JSON-RPC conformance suites (ethers.js and web3.py) against `poco chain`.
# It installs what it needs (npm packages, a Python venv) and skips what is already there.
# Usage: scripts/test.sh            (everything)
#        SKIP_CONFORMANCE=1 scripts/test.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '\n==> %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "test.sh: '$1' is required ($2)" >&2; exit 2; }; }

need cargo "install Rust from https://rustup.rs"
need node "install Node.js 20 or newer"
need npm "install npm (comes with Node.js)"
need python3 "install Python 3.10 or newer"

say "contracts: reproducible solc build (contracts/out must match the sources)"
(cd contracts && { [ -d node_modules ] && cmp -s package-lock.json node_modules/.package-lock.json || npm ci --no-audit --no-fund --loglevel=error; } && node build.js --check)

say "rustfmt"
cargo fmt --all -- --check

say "clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "cargo test"
cargo test --workspace --locked

if [ -z "${SKIP_CONFORMANCE:-}" ]; then
  say "JSON-RPC conformance: ethers.js and web3.py against poco chain"
  cargo build -p poco --locked
  bash scripts/conformance.sh
fi
say "all tests passed"
