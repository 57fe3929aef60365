#!/usr/bin/env bash
# Benchmark: poco chain vs Hardhat's node, over HTTP on this machine.
# Builds the release node, installs Hardhat (bench/hardhat, pinned), then runs the load
# generator (crates/chain/benches/rpc.rs). Extra arguments go to the load generator:
#   scripts/bench-chain.sh --senders 32 --txs 250 --calls 20000 --concurrency 32
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
cargo build --release -p poco --locked
(cd bench/hardhat && [ -x node_modules/.bin/hardhat ] || npm ci --no-audit --no-fund --loglevel=error)
cargo bench -p poco-chain --bench rpc --locked -- "$@"
