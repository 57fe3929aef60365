#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests, from Debian's packages.
#
#   scripts/postgres.sh start DIR   installs PostgreSQL if it is missing (apt-get, as root),
#                                   creates a cluster in DIR (trust auth, loopback only, a free
#                                   port) and starts it; prints its URL (postgres://postgres@127.0.0.1:PORT, no database) on stdout
#   scripts/postgres.sh stop DIR    stops it (DIR can then be removed)
#
# initdb refuses to run as root: as root, the cluster belongs to the `postgres` user that
# Debian's package creates.
set -euo pipefail

die() { printf 'postgres.sh: %s\n' "$*" >&2; exit 2; }
[ $# -eq 2 ] || die "usage: scripts/postgres.sh start|stop DIR"
action="$1"; dir="$2"

bindir() {
  local b
  b="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  [ -n "$b" ] && [ -x "$b/initdb" ] && echo "$b"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "$*"
  else
    sh -c "$*"
  fi
}

case "$action" in
  start)
    if ! bin="$(bindir)"; then
      [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
        die "PostgreSQL is not installed (on Debian: apt-get install postgresql)"
      printf 'postgres.sh: installing Debian'"'"'s postgresql\n' >&2
      (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }) ||
        die "apt-get install postgresql failed"
      bin="$(bindir)" || die "postgresql installed, but no initdb under /usr/lib/postgresql"
    fi
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner "'$bin/initdb' -D '$dir/data' -U postgres -A trust --no-sync >'$dir/initdb.log' 2>&1" ||
      die "initdb failed: see $dir/initdb.log"
    as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null" ||
      die "the server did not start: see $dir/server.log"
    echo "postgres://postgres@127.0.0.1:$port"
    ;;
  stop)
    bin="$(bindir)" || exit 0
    [ -d "$dir/data" ] && as_owner "'$bin/pg_ctl' -D '$dir/data' -m fast -w stop >/dev/null" || true
    ;;
  *) die "unknown action '$action' (start or stop)" ;;
esac
