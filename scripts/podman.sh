#!/usr/bin/env bash
# Podman as Poco's container engine: the Docker Engine API on a private socket, from Debian's
# packages, configured as this kind of machine needs (../shared/notes/machine.md, Containers).
#
#   scripts/podman.sh ensure        installs podman, runc and curl if missing (apt-get, as
#                                   root) and writes the configuration (runc, cgroupfs, file
#                                   events logger, ulimits nofile=1024:1024 nproc=4096:4096);
#                                   silent when everything is already there
#   scripts/podman.sh start [DIR]   ensure, then runs `podman system service` on DIR/podman.sock
#                                   in the background (DIR/podman.pid, DIR/podman.log), waits
#                                   until the API answers and prints its URL
#                                   (unix://DIR/podman.sock) on stdout, for DOCKER_HOST; when
#                                   it already runs for DIR, just prints the URL
#   scripts/podman.sh stop [DIR]    stops that service (containers still running keep running)
#   scripts/podman.sh check [DIR]   prints the engine's version and runs a smoke container
#                                   through the Docker Engine API alone: a local image
#                                   (localhost/poco-smoke:latest, imported from Debian's static
#                                   busybox, no registry), bind mounts, no network, memory and
#                                   CPU limits; create, start, wait, logs, remove
#
# DIR defaults to $POCO_PODMAN_DIR, itself ~/.local/share/poco/podman by default.
# POCO_PODMAN_TIMEOUT: seconds `start` waits for the API (default 30).
#
# Configuration: /etc/containers/containers.conf is written when it is missing. When it (or
# /etc/containers/containers.conf.d) holds other settings, they are left alone and ours go to
# $POCO_PODMAN_DIR/containers.conf instead, which the service started here reads through
# CONTAINERS_CONF; `ensure` says so on stderr, and podman commands run by hand should then
# set CONTAINERS_CONF to that file too.
# Output: URLs and `check`'s report on stdout, progress and errors on stderr; exit 2 on failure.
set -euo pipefail

me=podman.sh
die() { printf '%s: %s\n' "$me" "$*" >&2; exit 2; }
say() { printf '%s: %s\n' "$me" "$*" >&2; }
usage="usage: scripts/podman.sh ensure | start [DIR] | stop [DIR] | check [DIR]"

base="${POCO_PODMAN_DIR:-$HOME/.local/share/poco/podman}"
case "$base" in /*) ;; *) base="$PWD/$base" ;; esac
sys_conf=/etc/containers/containers.conf
priv_conf="$base/containers.conf"
API=/v1.41
IMAGE=localhost/poco-smoke:latest

CONF='# Written by Poco'"'"'s scripts/podman.sh (see ../shared/notes/machine.md, Containers):
# crun fails on hybrid cgroups here, and the default nofile limit exceeds the hard limit.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"'

# Settings only: comments, blanks and spacing do not count when comparing configurations.
settings() { sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d'; }
now() { echo "${EPOCHREALTIME/[.,]/}"; }                       # microseconds
secs() { local us=$(($(now) - $1)); printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000)); }

have_runc() { command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || [ -x /usr/bin/runc ]; }

# The containers.conf in force for the podman commands this script runs: the system one when
# it holds exactly our settings (nothing in containers.conf.d), else our private file.
use_conf() {
  if [ -f "$sys_conf" ] && [ "$(settings <"$sys_conf")" = "$(settings <<<"$CONF")" ] &&
    ! ls /etc/containers/containers.conf.d/*.conf >/dev/null 2>&1; then
    unset CONTAINERS_CONF
  else
    export CONTAINERS_CONF="$priv_conf"
  fi
}

apt_install() { # PACKAGE...: quiet, non-interactive, keeps existing conffiles; log in $base/apt.log
  local log="$base/apt.log" opts=(-y -qq -o DPkg::Lock::Timeout=300
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
    die "$* missing: as root on Debian, run apt-get install $* (or run this script as root)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install "${opts[@]}" "$@" >"$log" 2>&1; then
    say "apt-get install failed with the current package lists; running apt-get update"
    { apt-get update -qq && apt-get install "${opts[@]}" "$@"; } >>"$log" 2>&1 ||
      { tail -n 15 "$log" >&2; die "apt-get install $* failed (above: the end of $log)"; }
  fi
}

ensure() {
  mkdir -p "$base"
  # One ensure at a time (parallel test runs would otherwise race on apt and the config).
  exec 8>"$base/.ensure.lock"
  flock -w 600 8 || die "another scripts/podman.sh ensure has held $base/.ensure.lock for 10 minutes"
  local missing=() t
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  have_runc || missing+=(runc)
  command -v curl >/dev/null 2>&1 || missing+=(curl) # for start's and check's API calls
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} from Debian's packages (apt-get; a minute or two)"
    t="$(now)"
    apt_install "${missing[@]}"
    command -v podman >/dev/null 2>&1 && have_runc && command -v curl >/dev/null 2>&1 ||
      die "apt-get installed ${missing[*]}, but podman, runc or curl is still not on PATH ($PATH)"
    say "installed ${missing[*]} in $(secs "$t") s ($(podman --version))"
  fi

  if [ ! -e "$sys_conf" ] && [ -w /etc ] && ! ls /etc/containers/containers.conf.d/*.conf >/dev/null 2>&1; then
    mkdir -p /etc/containers
    printf '%s\n' "$CONF" >"$sys_conf"
    say "wrote $sys_conf"
  fi
  use_conf
  if [ -n "${CONTAINERS_CONF:-}" ]; then
    if [ ! -f "$priv_conf" ] || [ "$(cat "$priv_conf")" != "$CONF" ]; then
      printf '%s\n' "$CONF" >"$priv_conf"
      say "$sys_conf holds other settings (left alone); ours are in $priv_conf, used through CONTAINERS_CONF"
    fi
  fi
  exec 8>&-
}

# start/stop/check: the service's files in DIR.
setdir() {
  dir="${1:-$base}"
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  sock="$dir/podman.sock" pidfile="$dir/podman.pid" log="$dir/podman.log"
  [ ${#sock} -lt 108 ] || die "socket path too long for a unix socket (${#sock} bytes, 107 at most): $sock; use a shorter DIR"
}

ping() { [ "$(curl -s --max-time 5 --unix-socket "$sock" http://d/_ping 2>/dev/null)" = OK ]; }

# The pid of the service running for DIR, if any (checked against its command line, so a
# reused pid is never taken for it).
running_pid() {
  local pid
  pid="$(cat "$pidfile" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "system service -t 0 unix://$sock" || return 1
  echo "$pid"
}

start() {
  ensure
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  flock -w 60 9 || die "another scripts/podman.sh start or stop has held $dir/.lock for a minute"
  if running_pid >/dev/null && ping; then
    echo "unix://$sock"
    return
  fi
  if pid="$(running_pid)"; then # running but not answering: replace it
    say "the service in $dir (pid $pid) does not answer; restarting it"
    stop_pid "$pid"
  fi
  rm -f "$sock" "$pidfile"
  local t deadline
  t="$(now)"
  deadline=$((SECONDS + ${POCO_PODMAN_TIMEOUT:-30}))
  printf '\n%s: starting podman system service on %s (CONTAINERS_CONF=%s)\n' "$(date -Is)" "$sock" "${CONTAINERS_CONF:-}" >>"$log"
  # Its own session, so that it outlives the caller's process group; the pid is its own.
  setsid sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$pidfile" \
    podman system service -t 0 "unix://$sock" </dev/null >>"$log" 2>&1 9>&- &
  local bg=$!
  until ping; do
    if [ "$SECONDS" -ge "$deadline" ] || ! { sleep 0.1; alive "$bg"; }; then
      local why="did not answer GET /_ping within ${POCO_PODMAN_TIMEOUT:-30} s"
      alive "$bg" || why="exited"
      alive "$bg" && stop_pid "$bg"
      rm -f "$pidfile" "$sock"
      tail -n 20 "$log" >&2
      die "podman system service $why (above: the end of $log); try \`podman info\` for the engine's own diagnosis"
    fi
  done
  say "podman service ready on $sock in $(secs "$t") s"
  echo "unix://$sock"
}

# Alive: a zombie leader whose other threads are still exiting (as Go programs leave) counts.
alive() {
  local state
  state="$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" && [ -n "$state" ] || return 1
  [ "$state" != Z ] || [ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" -gt 1 ]
}

stop_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do # 10 s
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    say "podman service (pid $pid) still running 10 s after SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

stop() {
  [ -d "$dir" ] || return 0
  exec 9>"$dir/.lock"
  flock -w 60 9 || die "another scripts/podman.sh start or stop has held $dir/.lock for a minute"
  if pid="$(running_pid)"; then
    stop_pid "$pid"
  fi
  rm -f "$sock" "$pidfile"
}

# check: one API call; sets $code and leaves the body in $work/body.
api() { # METHOD PATH [JSON]
  local args=(-s --max-time 120 --unix-socket "$sock" -X "$1" -o "$work/body" -w '%{http_code}')
  [ $# -lt 3 ] || args+=(-H 'Content-Type: application/json' --data-binary "$3")
  code="$(curl "${args[@]}" "http://d$API$2")" || code=000
}
fail() { # STEP: the API's answer, then what to do
  local msg
  msg="$(head -c 600 "$work/body" 2>/dev/null || true)"
  die "smoke test: $1 failed (HTTP $code${msg:+: $msg}); the service's log is $log"
}
json() { "$py" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" <"$work/body"; }

# The image: Debian's static busybox alone in a rootfs, imported through the API.
smoke_image() {
  api GET "/images/$IMAGE/json"
  [ "$code" = 200 ] && return
  local bb=/bin/busybox root="$work/rootfs"
  if ! [ -x "$bb" ] || ldd "$bb" >/dev/null 2>&1; then # missing, or not static
    bb="$work/deb/bin/busybox"
    say "fetching Debian's busybox-static for the smoke image"
    (cd "$work" && apt-get download -qq busybox-static >"$work/apt.log" 2>&1 ||
      { apt-get update -qq && apt-get download -qq busybox-static; } >>"$work/apt.log" 2>&1) ||
      { tail -n 5 "$work/apt.log" >&2; die "apt-get download busybox-static failed"; }
    dpkg-deb -x "$work"/busybox-static_*.deb "$work/deb"
  fi
  mkdir -p "$root/bin" "$root/tmp"
  cp "$bb" "$root/bin/busybox"
  for a in sh cat echo ls; do ln -s busybox "$root/bin/$a"; done
  tar -C "$root" -cf "$work/rootfs.tar" .
  # POST /images/create?fromSrc=- is `docker import`; podman answers with a progress stream.
  code="$(curl -s --max-time 120 --unix-socket "$sock" -X POST -H 'Content-Type: application/x-tar' \
    --data-binary @"$work/rootfs.tar" -o "$work/body" -w '%{http_code}' \
    "http://d$API/images/create?fromSrc=-&repo=${IMAGE%:*}&tag=${IMAGE##*:}")" || code=000
  [ "$code" = 200 ] && ! grep -q '"error' "$work/body" || fail "importing $IMAGE (POST /images/create?fromSrc=-)"
  api GET "/images/$IMAGE/json"
  [ "$code" = 200 ] || fail "finding the imported $IMAGE (GET /images/$IMAGE/json)"
}

check() {
  # Debian's python3 first: it starts in a fraction of a version manager's shim's time.
  py="$(command -v /usr/bin/python3 python3 | head -n 1)" || die "check needs python3 (to read the API's JSON)"
  ping || die "no podman service answers on $sock: run scripts/podman.sh start${1:+ $1} first"
  work="$(mktemp -d)"
  cid=""
  trap 'if [ -n "$cid" ]; then curl -s --max-time 30 --unix-socket "$sock" -X DELETE "http://d$API/containers/$cid?force=1" >/dev/null || true; fi; rm -rf "$work"' EXIT

  api GET /version
  [ "$code" = 200 ] || fail "GET $API/version"
  echo "engine: $(json '[c["Name"] + " " + c["Version"] for c in d.get("Components", [])][0] if d.get("Components") else "?"'), version $(json 'd["Version"]'), API $(json 'd["ApiVersion"]'), $(json 'd["Os"] + "/" + d["Arch"]') kernel $(json 'd["KernelVersion"]')"

  local t0 t mem=67108864 ncpu=500000000
  t0="$(now)"
  smoke_image
  echo "image: $IMAGE ready in $(secs "$t0") s"

  mkdir -p "$work/in" "$work/out"
  echo "poco input" >"$work/in/input.txt"
  local script='echo smoke-start; cat /iexec_in/input.txt; echo "$SMOKE_VALUE" >/iexec_out/result.txt
(echo x >/iexec_in/x) 2>/dev/null && echo in:writable || echo in:read-only
echo net: $(ls /sys/class/net)
echo mem: $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null)
echo cpu: $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu.max 2>/dev/null)
echo nofile: $(ulimit -n)
echo smoke-end; exit 3'
  local body
  body="$("$py" -c 'import json,sys; print(json.dumps({
    "Image": sys.argv[1], "Cmd": ["/bin/sh", "-c", sys.argv[2]], "Env": ["SMOKE_VALUE=poco-ok"],
    "HostConfig": {"Binds": [sys.argv[3] + "/in:/iexec_in:ro", sys.argv[3] + "/out:/iexec_out"],
                   "NetworkMode": "none", "Memory": int(sys.argv[4]), "NanoCpus": int(sys.argv[5])}}))' \
    "$IMAGE" "$script" "$work" "$mem" "$ncpu")"

  t="$(now)"
  api POST "/containers/create?name=poco-smoke-$$" "$body"
  [ "$code" = 201 ] || fail "POST /containers/create"
  cid="$(json 'd["Id"]')"
  api GET "/containers/$cid/json"
  [ "$code" = 200 ] || fail "GET /containers/$cid/json"
  local got
  got="$(json '"%s %s %s" % (d["HostConfig"]["Memory"], d["HostConfig"].get("NanoCpus"), d["HostConfig"]["NetworkMode"])')"
  [ "$got" = "$mem $ncpu none" ] || die "smoke test: the container was created with Memory, NanoCpus, NetworkMode = $got, not $mem $ncpu none"
  api POST "/containers/$cid/start"
  [ "$code" = 204 ] || fail "POST /containers/$cid/start"
  api POST "/containers/$cid/wait"
  [ "$code" = 200 ] || fail "POST /containers/$cid/wait"
  local status
  status="$(json 'd["StatusCode"]')"
  api GET "/containers/$cid/logs?stdout=1&stderr=1"
  [ "$code" = 200 ] || fail "GET /containers/$cid/logs"
  # Without a TTY the logs come multiplexed: 8-byte frame headers (stream, 0 0 0, size).
  "$py" -c '
import sys
b = open(sys.argv[1], "rb").read(); i = 0; out = b""
while i + 8 <= len(b):
    n = int.from_bytes(b[i+4:i+8], "big"); out += b[i+8:i+8+n]; i += 8 + n
sys.stdout.write(out.decode(errors="replace"))' "$work/body" >"$work/logs"
  api DELETE "/containers/$cid"
  [ "$code" = 204 ] || [ "$code" = 200 ] || fail "DELETE /containers/$cid"
  cid=""
  local took
  took="$(secs "$t")"
  sed 's/^/  | /' "$work/logs"

  local problems=()
  [ "$status" = 3 ] || problems+=("exit status $status, not 3")
  grep -qx smoke-start "$work/logs" && grep -qx smoke-end "$work/logs" || problems+=("the logs lack the script's output")
  grep -qx "poco input" "$work/logs" || problems+=("/iexec_in/input.txt not readable in the container")
  [ "$(cat "$work/out/result.txt" 2>/dev/null)" = poco-ok ] || problems+=("/iexec_out/result.txt not written to the host (or the environment not passed)")
  grep -qx in:read-only "$work/logs" || problems+=("the :ro bind mount is writable")
  grep -qx "net: lo" "$work/logs" || problems+=("NetworkMode none left interfaces other than lo")
  grep -q "^mem: $mem\$" "$work/logs" || problems+=("the memory limit is not in the container's cgroup")
  [ ${#problems[@]} -eq 0 ] || die "smoke test failed: $(printf '%s; ' "${problems[@]}")the logs are above"
  echo "smoke: create, start, wait, logs, remove through the API in $took s: ok"
}

[ $# -ge 1 ] || die "$usage"
action="$1"; shift
case "$action" in
  ensure) [ $# -eq 0 ] || die "$usage"; ensure ;;
  start | stop | check)
    [ $# -le 1 ] || die "$usage"
    setdir "${1:-}"
    case "$action" in
      start) start ;;
      stop) stop ;;
      check) check "${1:-}" ;;
    esac
    ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' ;;
  *) die "unknown action '$action'; $usage" ;;
esac
