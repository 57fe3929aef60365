#!/usr/bin/env bash
# Benchmark: the market's publish throughput and query latency, on SQLite and on PostgreSQL.
# Builds in release, starts a throwaway PostgreSQL (scripts/postgres.sh: Debian's package, a
# cluster on a free loopback port), restarts it with fsync on (postgres.sh turns it off for
# tests; a benchmark measures the durable setting), then runs the load generator
# (crates/market/benches/market/main.rs) over both databases. Extra arguments go to the load
# generator:
#   scripts/bench-market.sh --book 100000 --rate 1000 --seconds 30 --publishes 4000 --publishers 32
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
cargo build --release -p poco-market --benches --locked

pg_dir="$(mktemp -d)"
trap 'bash "$ROOT/scripts/postgres.sh" stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
pg_url="$(bash scripts/postgres.sh start "$pg_dir")"
pg_port="${pg_url##*:}"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
restart="'$pg_bin/pg_ctl' -D '$pg_dir/data' -l '$pg_dir/server.log' -w -o \"-p $pg_port -k '$pg_dir' -c listen_addresses=127.0.0.1\" restart >/dev/null"
if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$restart"; else sh -c "$restart"; fi

cargo bench -p poco-market --bench market --locked -- --postgres "$pg_url" "$@"
