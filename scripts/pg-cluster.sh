#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and the benchmark (Debian's `postgresql`
# package, installed by scripts/setup.sh): a data directory in a new temporary directory,
# listening on 127.0.0.1 on a free port, fsync off (nothing in it outlives the run;
# TAAPIT_PG_FSYNC=on for a benchmark that pays for durable commits).
#
#   eval "$(bash scripts/pg-cluster.sh start)"   # prints the export lines below
#     TAAPIT_TEST_POSTGRES_URL=postgres://taapit@127.0.0.1:PORT/postgres (trust, no password)
#     TAAPIT_TEST_POSTGRES_DIR=/tmp/tmp.XXXX   (the data directory, its log and its port)
#   bash scripts/pg-cluster.sh crash     # stops it at once (`-m immediate`: as a crash does)
#   bash scripts/pg-cluster.sh resume    # starts it again on the same port
#   bash scripts/pg-cluster.sh stop      # stops it and removes the directory
#
# crash, resume and stop act on $TAAPIT_TEST_POSTGRES_DIR (or the directory given after the
# verb). initdb refuses to run as root: as root, the server runs as the `postgres` user, in a
# directory it owns.
set -euo pipefail

say() { printf '[pg-cluster] %s\n' "$*" >&2; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  say "no PostgreSQL server found in /usr/lib/postgresql (bash scripts/setup.sh installs it)"
  exit 1
fi

as_owner() { # runs a command as the owner of the cluster's directory
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() { # dir port
  as_owner "$bin/pg_ctl" -D "$1/data" -l "$1/pg.log" -w -t 30 \
    -o "-p $2 -k $1 -c listen_addresses=127.0.0.1 -c fsync=${TAAPIT_PG_FSYNC:-off} -c max_connections=200" \
    start >/dev/null
}

verb=${1:-}
dir=${2:-${TAAPIT_TEST_POSTGRES_DIR:-}}
case "$verb" in
  start)
    dir=$(mktemp -d -t taapit-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U taapit --no-sync >/dev/null
    # A free port: a random one, another if the server cannot bind it.
    for _ in 1 2 3 4 5 6 7 8; do
      port=$((20000 + RANDOM % 20000))
      if pg_start "$dir" "$port" 2>/dev/null; then
        echo "$port" >"$dir/port"
        say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
        echo "export TAAPIT_TEST_POSTGRES_URL=postgres://taapit@127.0.0.1:$port/postgres"
        echo "export TAAPIT_TEST_POSTGRES_DIR=$dir"
        exit 0
      fi
    done
    say "could not start the server; its log:"
    cat "$dir/pg.log" >&2 || true
    rm -rf "$dir"
    exit 1
    ;;
  crash | resume | stop)
    if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
      say "$verb: no cluster directory (set TAAPIT_TEST_POSTGRES_DIR or pass it)"
      exit 1
    fi
    case "$verb" in
      crash) as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null ;;
      resume) pg_start "$dir" "$(cat "$dir/port")" ;;
      stop)
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$dir"
        ;;
    esac
    ;;
  *)
    echo "usage: $0 start | crash [DIR] | resume [DIR] | stop [DIR]" >&2
    exit 2
    ;;
esac
