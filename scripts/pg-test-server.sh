#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite (a ctest fixture).
#   pg-test-server.sh start DIR   initdb + pg_ctl start on 127.0.0.1, a free
#                                 port, sockets in DIR; writes the URL to DIR/url
#   pg-test-server.sh stop DIR    stops it and removes DIR
# initdb and postgres refuse to run as root: as root they run as `postgres`.
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
case "$cmd" in
  start)
    if [[ -f "$dir/data/postmaster.pid" ]]; then "$0" stop "$dir" || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    if [[ $(id -u) == 0 ]]; then chown postgres "$dir"; fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -A trust -U orch >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # fsync off: the tests kill orchrt, never this server.
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" \
      start >/dev/null || { cat "$dir/log" >&2; exit 1; }
    echo "postgresql://orch@127.0.0.1:$port/postgres" >"$dir/url"
    chmod 644 "$dir/url"
    ;;
  stop)
    if [[ -d "$dir/data" ]]; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
