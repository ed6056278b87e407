#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite (a ctest fixture).
#   pg-test-server.sh start DIR   initdb + pg_ctl start on 127.0.0.1, a free
#                                 port; writes the URL to DIR/url
#   pg-test-server.sh stop DIR    stops it, removes its data and DIR
# The data directory and the socket live in a temporary directory (mktemp
# under $TMPDIR or /tmp), not in DIR: a build tree may sit below a 0700
# directory (/root) that the server's user cannot reach. DIR keeps only the
# URL and the temporary directory's name. initdb and postgres refuse to run
# as root: as root they run as the `postgres` user, which owns that
# temporary directory. The server has stock settings (max_connections 100),
# as a user's would; fsync is off (the tests kill orchrt, never the server).
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
  echo "pg-test-server: no PostgreSQL server binaries (install the \`postgresql\` package)" >&2
  exit 1
fi
as_owner=()
if [[ $(id -u) == 0 ]]; then as_owner=(runuser -u postgres --); fi

stop() {
  local tmp
  tmp=$(cat "$dir/tmpdir" 2>/dev/null || true)
  if [[ -n "$tmp" && -d "$tmp/data" ]]; then
    "${as_owner[@]}" "$bin/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null || true
  fi
  # Only a directory this script made (its name pattern) is removed.
  if [[ -n "$tmp" && "$(basename "$tmp")" == orch-pg-test.* ]]; then rm -rf "$tmp"; fi
  rm -rf "$dir"
}

case "$cmd" in
  start)
    stop
    mkdir -p "$dir"
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/orch-pg-test.XXXXXX")
    echo "$tmp" >"$dir/tmpdir"
    if [[ $(id -u) == 0 ]]; then chown postgres: "$tmp"; fi
    chmod 700 "$tmp"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "${as_owner[@]}" "$bin/initdb" -D "$tmp/data" -A trust -U orch >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    "${as_owner[@]}" "$bin/pg_ctl" -D "$tmp/data" -l "$tmp/log" -w \
      -o "-k $tmp -p $port -c listen_addresses=127.0.0.1 -c fsync=off" \
      start >/dev/null || { "${as_owner[@]}" cat "$tmp/log" >&2; exit 1; }
    echo "postgresql://orch@127.0.0.1:$port/postgres" >"$dir/url"
    chmod 644 "$dir/url"
    ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
