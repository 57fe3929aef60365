#!/usr/bin/env bash
# Prints the gas report (docs/gas.md): every user-facing operation of the protocol on a fresh
# in-process poco chain, gasUsed from the receipts, as a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -p poco-contracts --test it gas_report -- --ignored --nocapture 2>/dev/null | grep '^|'
