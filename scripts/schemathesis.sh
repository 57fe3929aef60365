#!/usr/bin/env bash
# schemathesis (PyPI, pinned in tests/conformance/schemathesis) against a live market: starts
# `poco chain` (the protocol deployed) and `poco market` on free loopback ports, seeds the book
# with a few real orders when the CLI can publish them, and runs schemathesis over the market's
# own /openapi.json with the checks that matter:
#   not_a_server_error            no 5xx, whatever the input
#   status_code_conformance       every status the market answers is documented
#   content_type_conformance      every answer is the documented application/json
#   response_schema_conformance   every body matches the documented schema
#   response_headers_conformance  documented headers are present
#   negative_data_rejection       input the document forbids is refused with a 4xx
#   ignored_auth                  writes without a valid Authorization are refused
#   unsupported_method            undocumented methods answer 405 with an Allow header
# Writes are authenticated like the SDK does (hooks.py: a fresh challenge each, signed by dev
# account 9 through the dev chain). Exits non-zero on any failure.
#
# Usage: scripts/schemathesis.sh
# Environment:
#   POCO_BIN                   the poco binary (default: <repo>/target/debug/poco)
#   SCHEMATHESIS_MAX_EXAMPLES  cases per operation and phase (default 40)
#   SCHEMATHESIS_SEED          a seed, to replay a run (default: random; the run prints it)
#   SCHEMATHESIS_REPORT_DIR    keep the JUnit report and the logs there (default: discarded)
#
# Installs what it needs (a venv at tests/conformance/schemathesis/.venv, pip install of the
# pinned requirements) and skips that when nothing changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/tests/conformance/schemathesis"
VENV="$DIR/.venv"
say() { printf '==> %s\n' "$*"; }
die() { printf 'schemathesis.sh: %s\n' "$*" >&2; exit 2; }

case "${POCO_BIN:-}" in
  "") bin="$ROOT/target/debug/poco" ;;
  /*) bin="$POCO_BIN" ;;
  *) bin="$ROOT/$POCO_BIN" ;;
esac
if [ -n "${SCHEMATHESIS_REPORT_DIR:-}" ]; then
  mkdir -p "$SCHEMATHESIS_REPORT_DIR"
  SCHEMATHESIS_REPORT_DIR="$(cd "$SCHEMATHESIS_REPORT_DIR" && pwd)"
fi
[ -x "$bin" ] || die "$bin is not an executable: build it with \`cargo build -p poco\`, or set POCO_BIN"
command -v python3 >/dev/null || die "python3 is required"

# --- the venv -------------------------------------------------------------------------------
install() {
  local stamp="$VENV/.schemathesis-stamp" want
  want="$(cat "$DIR/requirements.txt" "$DIR/constraints.txt" | sha256sum | cut -d' ' -f1)"
  if [ -x "$VENV/bin/schemathesis" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
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
  say "installing schemathesis (pip install -r tests/conformance/schemathesis/requirements.txt)"
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$DIR/requirements.txt" ||
    die "pip install failed (check network access to the package index, or PIP_INDEX_URL)"
  echo "$want" >"$stamp"
}
install

# --- chain and market -----------------------------------------------------------------------
work="$(mktemp -d)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${SCHEMATHESIS_REPORT_DIR:-}" ]; then
    mkdir -p "$SCHEMATHESIS_REPORT_DIR"
    cp "$work"/*.log "$SCHEMATHESIS_REPORT_DIR"/ 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# wait_for FILE REGEX WHAT: the first match of REGEX (grep -o) in FILE, within 60 s.
wait_for() {
  local i found
  for i in $(seq 1 600); do
    found="$(grep -o -m1 -E "$2" "$1" 2>/dev/null || true)"
    if [ -n "$found" ]; then printf '%s' "$found"; return 0; fi
    sleep 0.1
  done
  cat "$1" >&2
  die "$3 did not start within 60 s (its output is above)"
}

"$bin" chain --port 0 >"$work/chain.log" 2>&1 &
pids+=($!)
rpc="$(wait_for "$work/chain.log" 'http://127\.0\.0\.1:[0-9]+' 'poco chain')"
say "chain: $rpc"

HOME="$work/home" "$bin" market --rpc-url "$rpc" --listen 127.0.0.1:0 \
  --database-url "sqlite://$work/market.sqlite?mode=rwc" --raw >"$work/market.log" 2>&1 &
pids+=($!)
market="$(wait_for "$work/market.log" '"url":"http://127\.0\.0\.1:[0-9]+' 'poco market' | sed 's/^"url":"//')"
say "market: $market"

# --- a few real orders, so that list answers hold orders to check -----------------------------
# Through poco's own commands, each dev account in its own project folder with an unencrypted
# wallet.json: 1 owns an app and a dataset, 2 a workerpool, 3 requests.
seed() {
  local keys=(
    ""
    0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
    0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
    0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6
  )
  local i
  for i in 1 2 3; do
    mkdir -p "$work/p$i"
    (cd "$work/p$i" && poco init --skip-wallet) || return 1
    printf '{"default":"dev","chains":{"dev":{"host":"%s","id":"31337","hub":"%s","iexecGateway":"%s"}}}\n' \
      "$rpc" 0x9A676e781A523b5d0C0e43731313A708CB607508 "$market" >"$work/p$i/chain.json"
    printf '{"privateKey":"%s"}\n' "${keys[$i]}" >"$work/p$i/wallet.json"
  done
  (
    cd "$work/p1" &&
      poco app init && poco app deploy &&
      poco app publish --price 3 --volume 10 &&
      poco app publish --price 5 --volume 2 --tag gpu &&
      poco dataset init && poco dataset deploy &&
      poco dataset publish --price 1 --volume 4
  ) || return 1
  (
    cd "$work/p2" &&
      poco workerpool init && poco workerpool deploy &&
      poco account deposit 1000 &&
      poco workerpool publish --price 4 --volume 3 --category 0
  ) || return 1
  local app
  app="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["app"]["31337"])' "$work/p1/deployed.json")" || return 1
  (
    cd "$work/p3" &&
      poco account deposit 1000 &&
      poco order init --request &&
      python3 - "$app" <<'PY' &&
import json, sys
conf = json.load(open("iexec.json"))
r = conf["order"]["requestorder"]
r.update(app=sys.argv[1], appmaxprice="3", workerpoolmaxprice="4", volume="2", category="0")
json.dump(conf, open("iexec.json", "w"), indent=2)
PY
      poco order sign --request && poco order publish --request
  ) || return 1
}
# `poco ARGS --raw --force` in the current folder, quiet unless it fails.
poco() {
  local out
  if ! out="$(HOME="$work/home" "$bin" "$@" --raw --force 2>&1)"; then
    printf 'poco %s failed:\n%s\n' "$*" "$out" >&2
    return 1
  fi
}
count() {
  python3 -c 'import json, sys, urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1]))["count"])' "$market/$1?chainId=31337&$2"
}
if "$bin" app publish --help >/dev/null 2>&1; then
  seed || die "seeding the book with poco's publish commands failed (above)"
  say "seeded the book: $(count apporders app=any) app, $(count datasetorders dataset=any) dataset, $(count workerpoolorders workerpool=any) workerpool, $(count requestorders requester=any) request orders"
else
  say "poco has no publish commands yet: the book stays empty"
fi

# --- schemathesis -----------------------------------------------------------------------------
args=(
  run "$market/openapi.json"
  --checks "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection,ignored_auth,unsupported_method"
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}"
  --workers 1
  --request-timeout 30
  --exclude-path /stream
  --suppress-health-check too_slow,filter_too_much
)
[ -n "${SCHEMATHESIS_SEED:-}" ] && args+=(--seed "$SCHEMATHESIS_SEED")
if [ -n "${SCHEMATHESIS_REPORT_DIR:-}" ]; then
  args+=(--report junit --report-dir "$SCHEMATHESIS_REPORT_DIR")
fi
say "schemathesis ${args[*]}"
start=$SECONDS
status=0
# From the temporary folder, where schemathesis and Hypothesis keep their caches.
(cd "$work" && SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$DIR" PYTHONDONTWRITEBYTECODE=1 \
  POCO_MARKET_URL="$market" POCO_RPC_URL="$rpc" POCO_CHAIN_ID=31337 NO_COLOR=1 \
  "$VENV/bin/schemathesis" "${args[@]}") || status=$?
say "schemathesis finished in $((SECONDS - start)) s (exit $status)"
if [ "$status" -ne 0 ]; then
  echo "--- market log (last 40 lines) ---" >&2
  tail -n 40 "$work/market.log" >&2
fi
exit "$status"
