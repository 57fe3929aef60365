#!/usr/bin/env bash
# Benchmark: task execution on the local stack (crates/stack/benches/execution.rs): the
# latency of a trivial trust-1 task from `app run` to the downloaded result (p50/p95 over 20
# runs), and the throughput of one 200-task deal on 4 workers × 2 slots with the platform's
# share of the slot time. Builds in release, starts Podman's API on a private socket
# (scripts/podman.sh), and passes extra arguments on:
#   scripts/bench-execution.sh --runs 50 --tasks 400 --skip-latency
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
cargo build --release -p poco-stack --benches --locked
pod_dir="$(mktemp -d)"
trap 'bash "$ROOT/scripts/podman.sh" stop "$pod_dir"; rm -rf "$pod_dir"' EXIT
engine="$(bash scripts/podman.sh start "$pod_dir")"
cargo bench -p poco-stack --bench execution --locked -- --engine "$engine" "$@"
