#!/usr/bin/env bash
# The README's main job on a fresh machine: makes sure a container engine is there (Podman
# from Debian's packages, configured by scripts/podman.sh, its Docker-compatible API on a
# private socket), builds `poco` and runs `poco demo`: the whole local stack, a demo app built
# locally, one task at trust 1 and one at trust 3, both results downloaded.
# Usage: scripts/demo.sh [poco demo options]     (e.g. --data-dir DIR, --keep-running)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command -v cargo >/dev/null 2>&1 || { echo "demo.sh: cargo is required (install Rust from https://rustup.rs)" >&2; exit 2; }
if [ -z "${DOCKER_HOST:-}" ] && [ ! -S /var/run/docker.sock ]; then
  bash scripts/podman.sh ensure
  DOCKER_HOST="$(bash scripts/podman.sh start)"
  export DOCKER_HOST
fi
exec cargo run --release --quiet -p poco -- demo "$@"
